/**
 * A faster way to the answer `schema.safeParse` gives for a valid document, for the translation hot
 * path: zod spends most of its time on the bookkeeping around objects, arrays and optional fields (a
 * payload and an issue list per node), which is what this walks itself. Every leaf (string, number,
 * enum …) and every refinement is still run by zod's own code, so what a value must look like is said
 * in one place only. Anything this does not know is handed to zod as a whole.
 *
 * It answers only "valid, and this is zod's output" or "not sure": the caller then runs zod, which
 * gives the issues. So it can never accept what zod rejects as long as it rejects whenever in doubt.
 */
import type { z } from 'zod';

/** zod's output for a value, or NOT_SURE. */
type Check = (value: unknown) => unknown;

/** "Ask zod": the value may be invalid, or valid in a way this walk does not reproduce. */
export const NOT_SURE: unique symbol = Symbol('not sure');

/** The parts of zod's internals used here (zod/v4/core `$ZodType._zod` and `$ZodCheck._zod`). */
interface Payload {
  value: unknown;
  issues: unknown[];
}
interface CheckInternals {
  _zod: { def: { when?: (payload: Payload) => boolean }; check: (payload: Payload) => unknown };
}
interface SchemaInternals {
  _zod: {
    def: {
      type: string;
      checks?: CheckInternals[];
      shape?: Record<string, SchemaInternals>;
      catchall?: SchemaInternals;
      element?: SchemaInternals;
      innerType?: SchemaInternals;
    };
    run: (payload: Payload, ctx: { async: boolean }) => Payload | Promise<Payload>;
  };
  safeParse?: (value: unknown) => { success: boolean; data?: unknown };
}

const LEAVES = new Set(['string', 'number', 'boolean', 'enum', 'literal']);
const SYNC = { async: false };

/** zod's refinements of an object or array, on the output built so far (true when all pass). */
function refinementsPass(checks: readonly CheckInternals[] | undefined, value: unknown): boolean {
  if (!checks || checks.length === 0) return true;
  const payload: Payload = { value, issues: [] };
  for (const ch of checks) {
    const when = ch._zod.def.when;
    if (when && !when(payload)) continue;
    if (ch._zod.check(payload) instanceof Promise || payload.issues.length > 0) return false;
  }
  return true;
}

function whole(schema: SchemaInternals): Check {
  return (value) => {
    const result = schema.safeParse?.(value);
    return result?.success ? result.data : NOT_SURE;
  };
}

/** Strings a leaf remembers (the codes, units, dates and item numbers that come back in every document). */
const MEMO_SIZE = 512;
const MEMO_LENGTH = 64;

/**
 * A leaf checked by zod. The string values it passed are remembered with zod's output for them, since
 * most come again in the next line or document and a pattern test costs more than a lookup. That holds
 * because a canonical leaf's checks are functions of the value alone (patterns, enums, calendar dates).
 */
function leaf(schema: SchemaInternals): Check {
  const passed = new Map<string, unknown>();
  return (value) => {
    if (typeof value === 'string') {
      const known = passed.get(value);
      if (known !== undefined) return known;
    }
    const payload = schema._zod.run({ value, issues: [] }, SYNC);
    if (payload instanceof Promise || payload.issues.length > 0) return NOT_SURE;
    if (typeof value === 'string' && value.length <= MEMO_LENGTH) {
      if (passed.size >= MEMO_SIZE) passed.clear();
      passed.set(value, payload.value);
    }
    return payload.value;
  };
}

function array(schema: SchemaInternals, element: Check): Check {
  const checks = schema._zod.def.checks;
  return (value) => {
    if (!Array.isArray(value)) return NOT_SURE;
    const out: unknown[] = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      // A hole or an undefined entry is zod's business (it may report or keep it).
      if (!(i in value) || value[i] === undefined) return NOT_SURE;
      const item = element(value[i]);
      if (item === NOT_SURE) return NOT_SURE;
      out[i] = item;
    }
    return refinementsPass(checks, out) ? out : NOT_SURE;
  };
}

/** A strict object: only its own keys, each present one checked, the output in the schema's key order. */
function object(schema: SchemaInternals, shape: Record<string, SchemaInternals>): Check {
  const keys = Object.keys(shape);
  const known = new Set(keys);
  const fields = keys.map((key) => {
    const field = shape[key];
    const optional = field._zod.def.type === 'optional';
    const inner = optional ? field._zod.def.innerType : field;
    return { key, optional, check: inner ? compile(inner) : whole(field) };
  });
  const checks = schema._zod.def.checks;
  return (value) => {
    if (!isPlainObject(value)) return NOT_SURE;
    const input = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const f of fields) {
      const v = input[f.key];
      if (v === undefined) {
        // An own key holding undefined is zod's business (it keeps the key); an absent one must be optional.
        if (Object.hasOwn(input, f.key) || !f.optional) return NOT_SURE;
        continue;
      }
      if (!Object.hasOwn(input, f.key)) return NOT_SURE;
      const parsed = f.check(v);
      if (parsed === NOT_SURE) return NOT_SURE;
      out[f.key] = parsed;
    }
    // Any other key zod's `for…in` meets is an unknown key for its strict object (found as zod finds it,
    // without listing the keys).
    for (const key in input) if (!known.has(key)) return NOT_SURE;
    return refinementsPass(checks, out) ? out : NOT_SURE;
  };
}

/**
 * An object literal of this realm, not an array or a class instance: the only objects whose inherited
 * keys are known (none, with an unpolluted Object.prototype, see quickParse). Others (a structured clone
 * from another realm, an instance with enumerable inherited keys) go to zod.
 */
function isPlainObject(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** True when Object.prototype has no enumerable property that zod's `for…in` would meet in every object. */
function prototypeClean(): boolean {
  for (const _ in {}) return false;
  return true;
}

const compiled = new WeakMap<object, Check>();

function compile(schema: SchemaInternals): Check {
  const hit = compiled.get(schema);
  if (hit) return hit;
  const def = schema._zod.def;
  let check: Check;
  if (LEAVES.has(def.type)) check = leaf(schema);
  else if (def.type === 'array' && def.element) check = array(schema, compile(def.element));
  else if (def.type === 'object' && def.shape && def.catchall?._zod.def.type === 'never') check = object(schema, def.shape);
  else check = whole(schema);
  compiled.set(schema, check);
  return check;
}

/**
 * zod's output for `value` when it is valid and the walk is sure of it, otherwise NOT_SURE (then ask
 * `schema.safeParse`, which also says why).
 */
export function quickParse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> | typeof NOT_SURE {
  if (!prototypeClean()) return NOT_SURE;
  return compile(schema as unknown as SchemaInternals)(value) as z.output<T> | typeof NOT_SURE;
}
