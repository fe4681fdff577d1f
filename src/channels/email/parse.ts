/** MIME parsing of received mail (IMAP and the SMTP listener): mailparser, loaded on first use. */
import type { ParsedMail } from 'mailparser';
import { lazy } from '../lazy';

const mailparser = lazy(() => import('mailparser'));

/** Parse a whole message, without the HTML conversions and checksums we never use. */
export async function parseMail(raw: Buffer): Promise<ParsedMail> {
  const { simpleParser } = await mailparser();
  return simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, checksumAlgo: false });
}
