/**
 * Loads definition folders (see definitions.ts) from YAML, checks them against their schema and checks
 * that every reference resolves, with messages that name the file and the key.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import {
  CompositesFile,
  Dictionary,
  ElementsFile,
  SegmentsFile,
  StructureNode,
  TransactionDef,
} from './definitions';
import { packageRoot } from './package-root';

/** A definition file that is missing, malformed or refers to something undefined. */
export class DefinitionError extends Error {
  constructor(readonly file: string, readonly key: string, message: string) {
    super(`${file}${key ? ` at ${key}` : ''}: ${message}`);
    this.name = 'DefinitionError';
  }
}

/** The JSON copy the build writes for a definition YAML (scripts/compile-definitions.js), when it is current. */
function compiledCopy(file: string): string | undefined {
  const root = packageRoot();
  const rel = relative(join(root, 'src', 'edi'), file);
  if (rel.startsWith('..')) return undefined;
  const json = join(root, 'dist', 'defs', rel.replace(/\.yaml$/, '.json'));
  try {
    return statSync(json).mtimeMs >= statSync(file).mtimeMs ? json : undefined;
  } catch {
    return undefined;
  }
}

function readYaml<T>(file: string, schema: z.ZodType<T>): T {
  let data: unknown;
  try {
    // Parsing the YAML dictionaries takes ~0.4 s; the build's JSON copy is read in milliseconds.
    const json = compiledCopy(file);
    data = json ? JSON.parse(readFileSync(json, 'utf8')) : parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new DefinitionError(file, '', `cannot read YAML: ${(err as Error).message}`);
  }
  const result = schema.safeParse(data);
  if (!result.success) {
    const first = result.error.issues[0];
    throw new DefinitionError(file, first ? first.path.join('.') : '', first ? first.message : 'invalid');
  }
  return result.data;
}

/** The folder of shipped definitions for a standard and version, e.g. ('x12', '004010') or ('edifact', 'D96A'). */
export function definitionsDir(standard: 'x12' | 'edifact', version: string): string {
  return join(packageRoot(), 'src', 'edi', standard, 'defs', version);
}

const dictionaries = new Map<string, Dictionary>();

/** Load (once) the element, composite and segment dictionary of a definition folder. */
export function loadDictionary(dir: string): Dictionary {
  const hit = dictionaries.get(dir);
  if (hit) return hit;
  const dict: Dictionary = {
    elements: readYaml(join(dir, 'elements.yaml'), ElementsFile),
    composites: existsSync(join(dir, 'composites.yaml')) ? readYaml(join(dir, 'composites.yaml'), CompositesFile) : {},
    segments: readYaml(join(dir, 'segments.yaml'), SegmentsFile),
  };
  checkDictionary(dir, dict);
  dictionaries.set(dir, dict);
  return dict;
}

function checkDictionary(dir: string, dict: Dictionary): void {
  for (const [id, comp] of Object.entries(dict.composites)) {
    comp.components.forEach((c, i) => {
      if (!dict.elements[c.ref]) throw new DefinitionError(join(dir, 'composites.yaml'), `${id}.components[${i}]`, `element ${c.ref} is not in elements.yaml`);
    });
  }
  for (const [tag, seg] of Object.entries(dict.segments)) {
    seg.elements.forEach((el, i) => {
      if (!dict.elements[el.ref] && !dict.composites[el.ref]) {
        throw new DefinitionError(join(dir, 'segments.yaml'), `${tag}.elements[${i}]`, `${el.ref} is neither in elements.yaml nor in composites.yaml`);
      }
    });
  }
}

/** True when the folder has a definition for this transaction set / message. */
export function hasTransaction(dir: string, id: string): boolean {
  return existsSync(join(dir, `${id}.yaml`));
}

const transactions = new Map<string, TransactionDef>();

/** Load (once) a transaction set / message definition and check its segments exist in the dictionary. */
export function loadTransaction(dir: string, id: string): TransactionDef {
  const file = join(dir, `${id}.yaml`);
  const hit = transactions.get(file);
  if (hit) return hit;
  if (!existsSync(file)) throw new DefinitionError(file, '', `no definition for ${id}`);
  const def = readYaml(file, TransactionDef);
  if (def.id !== id) throw new DefinitionError(file, 'id', `id is ${def.id} but the file is named ${id}.yaml`);
  const dict = loadDictionary(dir);
  const walk = (nodes: StructureNode[], path: string): void => {
    nodes.forEach((node, i) => {
      if ('segment' in node) {
        if (!dict.segments[node.segment]) throw new DefinitionError(file, `${path}[${i}]`, `segment ${node.segment} is not in segments.yaml`);
      } else {
        const first = node.segments[0];
        if (!first || !('segment' in first)) throw new DefinitionError(file, `${path}[${i}]`, `loop ${node.loop} must start with a segment`);
        walk(node.segments, `${path}[${i}].segments`);
      }
    });
  };
  walk(def.structure, 'structure');
  transactions.set(file, def);
  return def;
}
