import { lazy } from '../../src/channels/lazy';

// Which channel libraries were loaded: each mock records its first load and hands out the real module.
const mockLoaded = new Set<string>();
for (const name of ['mailparser', 'imapflow', 'smtp-server', 'nodemailer', 'ssh2-sftp-client']) {
  jest.doMock(name, () => {
    mockLoaded.add(name);
    return jest.requireActual(name);
  });
}

describe('channel libraries load on first use', () => {
  it('the gateway and the service start without loading SSH, IMAP, SMTP or MIME libraries', async () => {
    await jest.isolateModulesAsync(async () => {
      await import('../../src/pipeline/gateway');
      await import('../../src/cli/service');
    });
    expect([...mockLoaded]).toEqual([]);
  });

  it('an email parse loads mailparser then, once', async () => {
    const { parseMail } = await import('../../src/channels/email/parse');
    const mail = await parseMail(Buffer.from('From: a@example.test\r\nSubject: hi\r\n\r\nbody\r\n'));
    const again = await parseMail(Buffer.from('Subject: two\r\n\r\nx\r\n'));
    expect(mail.subject).toBe('hi');
    expect(again.subject).toBe('two');
    expect(mockLoaded.has('mailparser')).toBe(true);
  });

  it('lazy() imports once for every caller, and tries again after a failed load', async () => {
    let calls = 0;
    const load = lazy(async () => {
      calls++;
      if (calls === 1) throw new Error('not installed');
      return { n: calls };
    });
    await expect(load()).rejects.toThrow('not installed');
    const [a, b] = await Promise.all([load(), load()]);
    expect(a).toBe(b);
    expect(a).toEqual({ n: 2 });
    expect(calls).toBe(2);
  });
});
