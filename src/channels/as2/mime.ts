/**
 * The MIME we need for AS2 (RFC 2045/2046, RFC 1847 multipart/signed, RFC 5751 application/pkcs7-mime):
 * parsing an entity into headers and body, splitting multipart bodies, and building entities.
 *
 * AS2 runs over HTTP, which is 8-bit clean, so bodies are taken and produced in binary: we never
 * re-encode line endings of content, because the signature and the MIC cover the exact bytes. Only
 * the header block we write is canonical (CRLF line ends), as RFC 5751 §3.1.1 requires of what is signed.
 */

/** A MIME entity: its headers (names lower-cased, folded lines joined) and its raw body. */
export interface MimeEntity {
  headers: Map<string, string>;
  body: Buffer;
}

/** A parsed `Content-Type`: lower-cased `type/subtype` and parameters (names lower-cased, values unquoted). */
export interface ContentType {
  mediaType: string;
  params: Map<string, string>;
}

const CRLF = Buffer.from('\r\n');

/** Thrown for MIME that cannot be taken apart; the message says what is wrong. */
export class MimeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MimeError';
  }
}

/** Splits an entity at the first empty line (CRLF CRLF, or bare LF LF from lenient senders). */
export function parseEntity(raw: Buffer): MimeEntity {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  let headerEnd: number;
  let bodyStart: number;
  if (crlf >= 0 && (lf < 0 || crlf <= lf)) {
    headerEnd = crlf;
    bodyStart = crlf + 4;
  } else if (lf >= 0) {
    headerEnd = lf;
    bodyStart = lf + 2;
  } else if (raw.subarray(0, 2).equals(CRLF)) {
    // No headers at all: the entity is "CRLF body" (defaults apply: text/plain).
    return { headers: new Map(), body: raw.subarray(2) };
  } else {
    throw new MimeError('a MIME entity without the empty line that ends its headers');
  }
  return { headers: parseHeaderBlock(raw.subarray(0, headerEnd).toString('latin1')), body: raw.subarray(bodyStart) };
}

/** Parses a header block; continuation lines (starting with space or tab) are unfolded. */
export function parseHeaderBlock(text: string): Map<string, string> {
  const headers = new Map<string, string>();
  let name: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line === '') continue;
    if ((line[0] === ' ' || line[0] === '\t') && name !== undefined) {
      headers.set(name, `${headers.get(name) ?? ''} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new MimeError(`a MIME header line without a name: "${line.slice(0, 40)}"`);
    name = line.slice(0, colon).trim().toLowerCase();
    // Repeated headers are not meaningful for the ones we read; the first one wins.
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return headers;
}

/** Parses a Content-Type value (RFC 2045 §5.1), quoted parameter values included. */
export function parseContentType(value: string | undefined): ContentType {
  const text = value ?? 'text/plain';
  const semi = text.indexOf(';');
  const mediaType = (semi < 0 ? text : text.slice(0, semi)).trim().toLowerCase();
  const params = new Map<string, string>();
  const re = /;\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;]*))/g;
  const rest = semi < 0 ? '' : text.slice(semi);
  for (const m of rest.matchAll(re)) params.set(m[1].toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]);
  return { mediaType, params };
}

/**
 * The body parts of a multipart body, each as raw bytes (headers + body) exactly as sent: RFC 2046
 * §5.1.1 makes the CRLF before each delimiter part of the delimiter, so it is not in the part.
 */
export function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  if (!boundary || boundary.length > 70) throw new MimeError('a multipart without a valid boundary');
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  // The first delimiter may start the body; every later one follows a line break.
  let pos = body.subarray(0, delimiter.length).equals(delimiter) ? 0 : findDelimiter(body, delimiter, 0);
  if (pos < 0) throw new MimeError(`the boundary "${boundary}" does not occur in the body`);
  for (;;) {
    let after = pos + delimiter.length;
    if (body.subarray(after, after + 2).toString('latin1') === '--') return parts;
    // Transport padding (spaces) may follow a delimiter before its line break.
    while (body[after] === 0x20 || body[after] === 0x09) after++;
    if (body[after] === 0x0d && body[after + 1] === 0x0a) after += 2;
    else if (body[after] === 0x0a) after += 1;
    else throw new MimeError('a multipart delimiter not followed by a line break');
    const next = findDelimiter(body, delimiter, after);
    if (next < 0) throw new MimeError('a multipart body without its closing delimiter');
    // The line break before the delimiter belongs to it.
    const end = body[next - 1] === 0x0a ? (body[next - 2] === 0x0d ? next - 2 : next - 1) : next;
    parts.push(body.subarray(after, Math.max(after, end)));
    pos = next;
  }
}

/** Position of the next `--boundary` that starts a line, at or after `from`; -1 if none. */
function findDelimiter(body: Buffer, delimiter: Buffer, from: number): number {
  let i = from;
  for (;;) {
    const at = body.indexOf(delimiter, i);
    if (at < 0) return -1;
    if (at === 0 || body[at - 1] === 0x0a) return at;
    i = at + 1;
  }
}

/** Decodes a body per its Content-Transfer-Encoding (base64, quoted-printable; anything else is taken as is). */
export function decodeBody(entity: MimeEntity): Buffer {
  const cte = (entity.headers.get('content-transfer-encoding') ?? 'binary').trim().toLowerCase();
  if (cte === 'base64') return Buffer.from(entity.body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (cte === 'quoted-printable') return decodeQuotedPrintable(entity.body);
  return entity.body;
}

function decodeQuotedPrintable(body: Buffer): Buffer {
  const text = body.toString('latin1').replace(/=\r?\n/g, '');
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3d && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      out.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(c);
  }
  return Buffer.from(out);
}

/** Builds an entity from headers (in order) and a body, with a canonical CRLF header block. */
export function buildEntity(headers: ReadonlyArray<readonly [string, string]>, body: Buffer): Buffer {
  const block = headers.map(([n, v]) => `${n}: ${v}\r\n`).join('');
  return Buffer.concat([Buffer.from(`${block}\r\n`, 'latin1'), body]);
}

/** Builds a multipart body from raw parts; the caller picks a boundary that is not in any part. */
export function buildMultipart(boundary: string, parts: readonly Buffer[]): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) chunks.push(Buffer.from(`--${boundary}\r\n`), p, CRLF);
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

/** A boundary unlikely to occur in content (random, and checked by the caller against the parts). */
export function newBoundary(parts: readonly Buffer[], random: () => string): string {
  for (;;) {
    const b = `----=_as2_${random()}`;
    if (!parts.some((p) => p.includes(b))) return b;
  }
}

/** Base64 in 76-character lines, as MIME bodies want. */
export function base64Lines(bytes: Buffer): Buffer {
  return Buffer.from(bytes.toString('base64').replace(/(.{76})/g, '$1\r\n'), 'latin1');
}

/** A header value quoted when it has characters a token cannot carry (AS2 names may contain spaces). */
export function quoteIfNeeded(value: string): string {
  return /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(value) ? value : `"${value.replace(/(["\\])/g, '\\$1')}"`;
}

/** An AS2-From / AS2-To value without its quotes (RFC 4130 §6.2 allows a quoted-string). */
export function unquote(value: string): string {
  const v = value.trim();
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v;
}
