/** The AS2 channel (RFC 4130): receive logic, sender, MDNs and the CMS/MIME underneath. */
export { as2Sender, buildAs2Message, ediMediaType, parseOurMessageId, type As2Outgoing, type As2OutboundChannel } from './sender';
export { As2HeadersSchema, deliverAsyncMdn, receiveAs2, type As2Headers, type As2InboundChannel, type As2InboundContext, type As2Reply } from './inbound';
export { buildMdn, parseMdn, MdnError, type ParsedMdn, type DispositionError } from './mdn';
export { computeMic, formatMic, parseMic, micEquals, type Mic, type MicAlgorithm } from './mic';
