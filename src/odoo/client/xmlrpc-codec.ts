/**
 * XML-RPC encoding and decoding, shared by the client transport and the sandbox server.
 *
 * Requests are built by string concatenation with strict escaping. Documents are parsed with xml2js
 * in strict mode, which never resolves DOCTYPE entities (an undefined entity is a parse error); a
 * document that declares a DOCTYPE is refused before parsing.
 */
import { Parser } from 'xml2js';

export type XmlRpcValue =
  | null
  | boolean
  | number
  | string
  | Uint8Array
  | XmlRpcValue[]
  | { [key: string]: XmlRpcValue };

export class XmlRpcEncodeError extends Error {}
export class XmlRpcDecodeError extends Error {}

// XML 1.0 allows tab, LF, CR and the ranges below; anything else cannot be sent at all.
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function xmlEscape(text: string): string {
  if (INVALID_XML_CHARS.test(text)) {
    throw new XmlRpcEncodeError('a string contains a character that XML 1.0 cannot carry');
  }
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\r/g, '&#13;');
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

export function encodeValue(value: unknown, depth = 0): string {
  if (depth > 100) throw new XmlRpcEncodeError('value nested too deeply');
  if (value === null || value === undefined) return '<value><nil/></value>';
  switch (typeof value) {
    case 'boolean':
      return `<value><boolean>${value ? 1 : 0}</boolean></value>`;
    case 'number':
      if (!Number.isFinite(value)) throw new XmlRpcEncodeError('cannot encode a non-finite number');
      if (Number.isInteger(value)) {
        return value >= INT32_MIN && value <= INT32_MAX ? `<value><int>${value}</int></value>` : `<value><i8>${value}</i8></value>`;
      }
      return `<value><double>${String(value)}</double></value>`;
    case 'bigint':
      return `<value><i8>${value.toString()}</i8></value>`;
    case 'string':
      return `<value><string>${xmlEscape(value)}</string></value>`;
    case 'object': {
      if (value instanceof Uint8Array) return `<value><base64>${Buffer.from(value).toString('base64')}</base64></value>`;
      if (Array.isArray(value)) {
        return `<value><array><data>${value.map((v) => encodeValue(v, depth + 1)).join('')}</data></array></value>`;
      }
      if (value instanceof Date) throw new XmlRpcEncodeError('dates must be sent as Odoo strings ("YYYY-MM-DD HH:MM:SS", UTC)');
      const members: string[] = [];
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (v === undefined) continue;
        members.push(`<member><name>${xmlEscape(k)}</name>${encodeValue(v, depth + 1)}</member>`);
      }
      return `<value><struct>${members.join('')}</struct></value>`;
    }
    default:
      throw new XmlRpcEncodeError(`cannot encode a ${typeof value}`);
  }
}

export function encodeMethodCall(method: string, params: readonly unknown[]): string {
  return `<?xml version="1.0"?>\n<methodCall><methodName>${xmlEscape(method)}</methodName><params>${params
    .map((p) => `<param>${encodeValue(p)}</param>`)
    .join('')}</params></methodCall>\n`;
}

export function encodeMethodResponse(value: unknown): string {
  return `<?xml version="1.0"?>\n<methodResponse>\n<params>\n<param>\n${encodeValue(value)}\n</param>\n</params>\n</methodResponse>\n`;
}

export function encodeFault(faultCode: number, faultString: string): string {
  return (
    `<?xml version="1.0"?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n` +
    `<value><int>${faultCode}</int></value>\n</member>\n<member>\n<name>faultString</name>\n` +
    `<value><string>${xmlEscape(faultString)}</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n`
  );
}

// ------------------------------------------------------------------ decoding

interface XNode {
  '#name': string;
  _?: string;
  $$?: XNode[];
  $?: Record<string, string>;
}

function elements(node: XNode): XNode[] {
  const out: XNode[] = [];
  for (const child of node.$$ ?? []) {
    if (child['#name'] === '__text__') {
      if ((child._ ?? '').trim() !== '') throw new XmlRpcDecodeError(`unexpected text inside <${node['#name']}>`);
      continue;
    }
    out.push(child);
  }
  return out;
}

function text(node: XNode): string {
  let out = '';
  for (const child of node.$$ ?? []) {
    if (child['#name'] !== '__text__') throw new XmlRpcDecodeError(`unexpected element <${child['#name']}> inside <${node['#name']}>`);
    out += child._ ?? '';
  }
  return out;
}

function only(node: XNode, name?: string): XNode {
  const els = elements(node);
  if (els.length !== 1) throw new XmlRpcDecodeError(`<${node['#name']}> must have exactly one child element`);
  const el = els[0]!;
  if (name !== undefined && el['#name'] !== name) throw new XmlRpcDecodeError(`expected <${name}> in <${node['#name']}>, got <${el['#name']}>`);
  return el;
}

function setOwn(obj: Record<string, XmlRpcValue>, key: string, value: XmlRpcValue): void {
  // Own data property even for "__proto__" / "constructor": no prototype is ever touched.
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function decodeValue(valueNode: XNode, depth = 0): XmlRpcValue {
  if (depth > 100) throw new XmlRpcDecodeError('value nested too deeply');
  const hasElement = (valueNode.$$ ?? []).some((c) => c['#name'] !== '__text__');
  if (!hasElement) return text(valueNode); // <value>text</value> is a string
  const els = elements(valueNode);
  if (els.length > 1) throw new XmlRpcDecodeError('<value> must have one type element');
  const typed = els[0]!;
  switch (typed['#name']) {
    case 'string':
      return text(typed);
    case 'int':
    case 'i4':
    case 'i8': {
      const t = text(typed).trim();
      if (!/^[-+]?\d+$/.test(t)) throw new XmlRpcDecodeError(`bad integer "${t.slice(0, 40)}"`);
      return Number(t);
    }
    case 'double': {
      const t = text(typed).trim();
      const n = Number(t);
      if (t === '' || Number.isNaN(n)) throw new XmlRpcDecodeError(`bad double "${t.slice(0, 40)}"`);
      return n;
    }
    case 'boolean': {
      const t = text(typed).trim();
      if (t !== '0' && t !== '1') throw new XmlRpcDecodeError(`bad boolean "${t.slice(0, 40)}"`);
      return t === '1';
    }
    case 'nil':
      return null;
    case 'dateTime.iso8601':
      return text(typed).trim();
    case 'base64':
      return new Uint8Array(Buffer.from(text(typed).replace(/\s+/g, ''), 'base64'));
    case 'array': {
      const data = only(typed, 'data');
      return elements(data).map((v) => {
        if (v['#name'] !== 'value') throw new XmlRpcDecodeError(`unexpected <${v['#name']}> in <data>`);
        return decodeValue(v, depth + 1);
      });
    }
    case 'struct': {
      const obj: Record<string, XmlRpcValue> = {};
      for (const member of elements(typed)) {
        if (member['#name'] !== 'member') throw new XmlRpcDecodeError(`unexpected <${member['#name']}> in <struct>`);
        const parts = elements(member);
        const nameNode = parts.find((p) => p['#name'] === 'name');
        const valueNode = parts.find((p) => p['#name'] === 'value');
        if (parts.length !== 2 || !nameNode || !valueNode) throw new XmlRpcDecodeError('<member> needs <name> and <value>');
        setOwn(obj, text(nameNode), decodeValue(valueNode, depth + 1));
      }
      return obj;
    }
    default:
      throw new XmlRpcDecodeError(`unknown XML-RPC type <${typed['#name']}>`);
  }
}

async function parseDocument(xml: string): Promise<XNode> {
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml)) {
    throw new XmlRpcDecodeError('XML-RPC document with a DOCTYPE/ENTITY declaration refused');
  }
  const parser = new Parser({
    strict: true,
    explicitChildren: true,
    preserveChildrenOrder: true,
    charsAsChildren: true,
    includeWhiteChars: true,
    explicitRoot: true,
    async: false,
  });
  let doc: Record<string, XNode>;
  try {
    doc = (await parser.parseStringPromise(xml)) as Record<string, XNode>;
  } catch (err) {
    throw new XmlRpcDecodeError(`malformed XML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || typeof doc !== 'object') throw new XmlRpcDecodeError('empty XML document');
  const roots = Object.keys(doc);
  if (roots.length !== 1) throw new XmlRpcDecodeError('XML document must have one root');
  const root = doc[roots[0]!]!;
  root['#name'] = roots[0]!;
  return root;
}

export type MethodResponse = { kind: 'result'; value: XmlRpcValue } | { kind: 'fault'; faultCode: number; faultString: string };

export async function decodeMethodResponse(xml: string): Promise<MethodResponse> {
  const root = await parseDocument(xml);
  if (root['#name'] !== 'methodResponse') throw new XmlRpcDecodeError(`expected <methodResponse>, got <${root['#name']}>`);
  const body = only(root);
  if (body['#name'] === 'params') {
    const param = only(body, 'param');
    return { kind: 'result', value: decodeValue(only(param, 'value')) };
  }
  if (body['#name'] === 'fault') {
    const v = decodeValue(only(body, 'value'));
    if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array) throw new XmlRpcDecodeError('fault is not a struct');
    const code = (v as Record<string, XmlRpcValue>).faultCode;
    const str = (v as Record<string, XmlRpcValue>).faultString;
    if (typeof code !== 'number' || typeof str !== 'string') throw new XmlRpcDecodeError('fault needs faultCode and faultString');
    return { kind: 'fault', faultCode: code, faultString: str };
  }
  throw new XmlRpcDecodeError(`unexpected <${body['#name']}> in <methodResponse>`);
}

export async function decodeMethodCall(xml: string): Promise<{ method: string; params: XmlRpcValue[] }> {
  const root = await parseDocument(xml);
  if (root['#name'] !== 'methodCall') throw new XmlRpcDecodeError(`expected <methodCall>, got <${root['#name']}>`);
  const els = elements(root);
  const nameNode = els.find((e) => e['#name'] === 'methodName');
  if (!nameNode) throw new XmlRpcDecodeError('missing <methodName>');
  const paramsNode = els.find((e) => e['#name'] === 'params');
  const params: XmlRpcValue[] = [];
  if (paramsNode) {
    for (const p of elements(paramsNode)) {
      if (p['#name'] !== 'param') throw new XmlRpcDecodeError(`unexpected <${p['#name']}> in <params>`);
      params.push(decodeValue(only(p, 'value')));
    }
  }
  return { method: text(nameNode).trim(), params };
}
