/**
 * The channels of a partner, by type: the pollers of its inbound channels and a sender per outbound
 * channel type. Push channels (AS2, the SMTP listener, HTTPS) are not polled: they hand messages to the
 * gateway's `InboundSink` themselves (see src/server).
 */
import type { Partner } from '../partners/registry';
import type { InboundChannel } from '../partners/schema';
import { as2Sender } from './as2/sender';
import { DirInbound, dirSender } from './dir';
import { SftpPoller, sftpSender } from './sftp';
import { emailSender } from './email/sender';
import { httpsSender } from './https';
import { ImapPoller } from './email/imap';
import type { ChannelDeps, InboundPoller, OutboundSender } from './types';

export * from './types';

/** The poller of an inbound channel, or undefined for push channels. */
export function createPoller(partner: Partner, channel: InboundChannel, deps: ChannelDeps): InboundPoller | undefined {
  switch (channel.type) {
    case 'dir':
      if (!channel.archive) return undefined;
      return new DirInbound(
        { path: channel.path, archive: channel.archive, pattern: channel.pattern, settleMs: deps.settleMs, maxBytes: deps.maxFileBytes },
        (r) => deps.logger.error({ partner: partner.id, file: r.name }, `file refused: ${r.reason}; moved to the rejected folder`),
        deps.now,
      );
    // channel pollers: one case per polled channel type
    case 'email':
      // via: smtp is pushed to our listener; only a mailbox we poll is a poller.
      return channel.via === 'imap' ? new ImapPoller(partner.id, channel, deps) : undefined;
    case 'sftp':
      return new SftpPoller(partner.id, channel, deps);
    default:
      return undefined;
  }
}

/** The sender for an outbound channel type, or undefined when this build has none. */
export function createSender(type: string, deps: ChannelDeps): OutboundSender | undefined {
  void deps;
  switch (type) {
    case 'dir':
      return dirSender();
    // channel senders: one case per outbound channel type
    case 'https':
      return httpsSender(deps);
    case 'as2':
      return as2Sender(deps);
    case 'sftp':
      return sftpSender(deps);
    case 'email':
      return emailSender(deps);
    default:
      return undefined;
  }
}
