/**
 * What an interchange is, from its first three bytes: both directions of the email channel need it
 * (which attachments to take, which content type to send), and neither may trust a file name for it.
 */

/** The first three characters after a UTF-8 BOM and blank space ("ISA", "UNA", "UNB", or anything else). */
export function ediHead(bytes: Buffer): string {
  let i = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0d || bytes[i] === 0x0a)) i++;
  return bytes.subarray(i, i + 3).toString('latin1');
}

/** Whether bytes start like an X12 or EDIFACT interchange. */
export function looksLikeEdi(bytes: Buffer): boolean {
  const head = ediHead(bytes);
  return head === 'ISA' || head === 'UNA' || head === 'UNB';
}
