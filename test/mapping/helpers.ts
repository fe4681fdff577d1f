/** Helpers of the mapping tests: EDI text to trees, temp mapping files, a fixed envelope. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Envelope } from '../../src/canonical/envelope';
import { definitionsDir, loadDictionary, loadTransaction } from '../../src/edi/common/definition-loader';
import type { ParsedSegment } from '../../src/edi/common/segment';
import { buildTree, type TransactionTree } from '../../src/mapping';

/** Split simple EDI text (no release characters) into parsed segments. */
export function segmentsOf(text: string, seps: { segment: string; element: string; component: string; repetition?: string }): ParsedSegment[] {
  return text
    .split(seps.segment)
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const [tag, ...elements] = s.split(seps.element);
      return { tag, elements: elements.map((el) => (seps.repetition ? el.split(seps.repetition) : [el]).map((rep) => rep.split(seps.component))) };
    });
}

/** Tree of an X12 004010 transaction written ST..SE with * > ~. */
export function x12Tree(text: string, id = '850'): TransactionTree {
  return buildTree(loadTransaction(definitionsDir('x12', '004010'), id), segmentsOf(text, { segment: '~', element: '*', component: '>' }));
}

/** Tree of an EDIFACT D96A message written UNH..UNT with + : '. */
export function edifactTree(text: string, id = 'ORDERS'): TransactionTree {
  return buildTree(loadTransaction(definitionsDir('edifact', 'D96A'), id), segmentsOf(text, { segment: "'", element: '+', component: ':' }));
}

export const X12_DICTIONARY = () => loadDictionary(definitionsDir('x12', '004010'));
export const D96A_DICTIONARY = () => loadDictionary(definitionsDir('edifact', 'D96A'));

/** A temp folder with the given files (relative path -> content). */
export function tempFiles(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'edi-mapping-'));
  for (const [rel, content] of Object.entries(files)) {
    const file = join(root, rel);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  return root;
}

export const X12_ENVELOPE: Envelope = {
  standard: 'x12',
  version: '004010',
  messageType: '850',
  sender: { qualifier: 'ZZ', id: 'ACME' },
  receiver: { qualifier: 'ZZ', id: 'US' },
  interchangeControlNumber: '000000001',
  groupControlNumber: '1',
  controlNumber: '0001',
  test: false,
};

export const EDIFACT_ENVELOPE: Envelope = {
  standard: 'edifact',
  version: 'D96A',
  messageType: 'ORDERS',
  sender: { qualifier: '14', id: '8712345000014' },
  receiver: { qualifier: '14', id: '8034567000012' },
  interchangeControlNumber: 'ICN1',
  controlNumber: 'M1',
  test: false,
};
