/** The small parts of the AS2 channel: PKCS#1 v1.5 unpadding, MIME splitting, MIC and option parsing, decompression limits. */
import { randomBytes } from 'node:crypto';
import { CmsError, compress, decompress, pkcs1Unpad } from '../../src/channels/as2/cms';
import { buildMdn, parseMdn } from '../../src/channels/as2/mdn';
import { computeMic, formatMic, parseDispositionOptions, parseMic } from '../../src/channels/as2/mic';
import { parseContentType, parseEntity, splitMultipart } from '../../src/channels/as2/mime';

describe('pkcs1Unpad (implicit rejection)', () => {
  const key = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  const fallback = Buffer.alloc(16, 0xee);
  const block = (ps: Buffer, sep = 0, head = [0, 2]) => Buffer.concat([Buffer.from(head), ps, Buffer.from([sep]), key]);
  const ps = Buffer.alloc(256 - 3 - 16, 0x5a);

  it('returns the key of a well-formed block', () => {
    expect(pkcs1Unpad(block(ps), 16, fallback).equals(key)).toBe(true);
  });

  it.each([
    ['a non-zero first byte', block(ps, 0, [1, 2])],
    ['block type 1', block(ps, 0, [0, 1])],
    ['a zero inside the padding (the key would be longer)', block(Buffer.concat([ps.subarray(0, 100), Buffer.from([0]), ps.subarray(101)]))],
    ['no separator before the key', block(ps, 7)],
    ['padding shorter than 8 bytes', Buffer.concat([Buffer.from([0, 2]), Buffer.alloc(5, 1), Buffer.from([0]), key])],
  ])('returns the fallback for %s', (_label, b) => {
    expect(pkcs1Unpad(b, 16, fallback).equals(fallback)).toBe(true);
  });
});

describe('MIME', () => {
  it('splits a multipart with preamble, epilogue and LF-only line ends, keeping each part exact', () => {
    const body = Buffer.from('preamble\n--b1\nContent-Type: a/b\n\npart one\r\n\n--b1  \r\nContent-Type: c/d\r\n\r\ntwo\r\n--b1--\r\nepilogue');
    const parts = splitMultipart(body, 'b1');
    expect(parts.map((p) => p.toString())).toEqual(['Content-Type: a/b\n\npart one\r\n', 'Content-Type: c/d\r\n\r\ntwo']);
    expect(parseEntity(parts[0]).body.toString()).toBe('part one\r\n');
  });

  it('parses Content-Type parameters, quoted or not', () => {
    const ct = parseContentType('Multipart/Signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="a;b"');
    expect(ct.mediaType).toBe('multipart/signed');
    expect(ct.params.get('boundary')).toBe('a;b');
    expect(ct.params.get('micalg')).toBe('sha-256');
  });
});

describe('MIC and options', () => {
  it('formats and parses a MIC', () => {
    const mic = computeMic(Buffer.from('abc'), 'sha256');
    expect(formatMic(mic)).toBe('ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=, sha-256');
    expect(parseMic(' ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0= ,SHA256')).toEqual(mic);
    expect(parseMic('xyz, md5')).toBeUndefined();
  });

  it('reads Disposition-Notification-Options', () => {
    expect(parseDispositionOptions('signed-receipt-protocol=required, pkcs7-signature; signed-receipt-micalg=required, sha1, sha-256')).toEqual({ signed: true, signedRequired: true, micalgs: ['sha1', 'sha256'] });
    expect(parseDispositionOptions(undefined)).toEqual({ signed: false, signedRequired: false, micalgs: [] });
  });

  it('round-trips an unsigned MDN', () => {
    const mic = computeMic(Buffer.from('x'), 'sha256');
    const built = buildMdn({ reportingName: 'US', originalMessageId: '<m@x>', mic, text: 'ok' });
    const parsed = parseMdn(built.contentType, built.body, { requireSigned: false, policy: { allowLegacy: false } });
    expect(parsed).toMatchObject({ originalMessageId: '<m@x>', processed: true, mic, signed: false });
    const refused = buildMdn({ reportingName: 'US', originalMessageId: '<m@x>', error: 'decryption-failed', text: 'no' });
    expect(parseMdn(refused.contentType, refused.body, { requireSigned: false, policy: { allowLegacy: false } })).toMatchObject({ processed: false, modifier: 'decryption-failed' });
  });
});

describe('CompressedData', () => {
  it('round-trips, and refuses to inflate beyond the limit (zip bomb)', () => {
    const data = randomBytes(1000);
    expect(decompress(compress(data), 1000).equals(data)).toBe(true);
    const bomb = compress(Buffer.alloc(10 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(20000);
    expect(() => decompress(bomb, 1024 * 1024)).toThrow(CmsError);
  });
});
