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
type Check = (value: unknown, plain: boolean) => unknown;

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

/** The own property names of Object.prototype when this module was loaded. */
const PROTOTYPE_NAMES: readonly string[] = Object.getOwnPropertyNames(Object.prototype);

/** True when Object.prototype has the same own property names as when this module was loaded. */
function prototypeAsLoaded(): boolean {
  const names = Object.getOwnPropertyNames(Object.prototype);
  if (names.length !== PROTOTYPE_NAMES.length) return false;
  for (let i = 0; i < names.length; i++) if (names[i] !== PROTOTYPE_NAMES[i]) return false;
  return true;
}

const LEAVES = new Set(['string', 'number', 'boolean', 'enum', 'literal']);
const SYNC = { async: false };

/**
 * Where `key` is among a schema's `keys`, or -1 when the schema has no such key: compared name by name
 * from `from` on (keys in the schema's order, the usual case, are found next to the last one), else
 * looked up in `known`.
 */
function keyIndex(key: string, keys: readonly string[], known: ReadonlyMap<string, number>, from: number): number {
  for (let j = from; j < keys.length; j++) if (keys[j] === key) return j;
  return known.get(key) ?? -1;
}

/** The payload refinements are run on, made once: most lines, parties and addresses have one. */
const REFINED: Payload = { value: undefined, issues: [] };
let refining = false;

/** zod's refinements of an object or array, on the output built so far (true when all pass). */
function refinementsPass(checks: readonly CheckInternals[] | undefined, value: unknown): boolean {
  if (!checks || checks.length === 0) return true;
  // A refinement that checks another value with this walk gets a payload of its own.
  const shared = !refining;
  const payload: Payload = shared ? REFINED : { value, issues: [] };
  payload.value = value;
  refining = true;
  let pass = true;
  for (const ch of checks) {
    const when = ch._zod.def.when;
    if (when && !when(payload)) continue;
    if (ch._zod.check(payload) instanceof Promise || payload.issues.length > 0) {
      pass = false;
      break;
    }
  }
  if (shared) {
    refining = false;
    payload.value = undefined;
    // Setting an array's length is a call into the runtime: only when a refinement failed.
    if (payload.issues.length > 0) payload.issues.length = 0;
  }
  return pass;
}

function whole(schema: SchemaInternals): Check {
  return (value) => {
    const result = schema.safeParse?.(value);
    return result?.success ? result.data : NOT_SURE;
  };
}

/** Strings and numbers a leaf remembers (the codes, units, dates, quantities and prices that come back in every document). */
const MEMO_SIZE = 512;
const MEMO_LENGTH = 64;

/**
 * A leaf checked by zod. The strings and numbers it passed are remembered with zod's output for them,
 * since most come again in the next line or document and a pattern test or zod's run of number checks
 * costs more than a lookup. That holds because a canonical leaf's checks are functions of the value
 * alone (patterns, enums, calendar dates, bounds). Zero is not remembered: a map does not tell -0 from 0.
 */
function leaf(schema: SchemaInternals): Check {
  const passed = new Map<string, unknown>();
  const numbers = new Map<number, unknown>();
  return (value) => {
    if (typeof value === 'string') {
      const known = passed.get(value);
      if (known !== undefined) return known;
    } else if (typeof value === 'number') {
      const known = numbers.get(value);
      if (known !== undefined) return known;
    }
    const payload = schema._zod.run({ value, issues: [] }, SYNC);
    if (payload instanceof Promise || payload.issues.length > 0) return NOT_SURE;
    if (typeof value === 'string' && value.length <= MEMO_LENGTH) {
      if (passed.size >= MEMO_SIZE) passed.clear();
      passed.set(value, payload.value);
    } else if (typeof value === 'number' && value !== 0) {
      if (numbers.size >= MEMO_SIZE) numbers.clear();
      numbers.set(value, payload.value);
    }
    return payload.value;
  };
}

/**
 * A leaf's check with the value it passed last at one place of the schema (a field, a list's entries),
 * tried before the leaf's memo: the same unit, price or date in every line, and a code table's value
 * (the same string each time) are answered by one comparison. Not zero, for -0.
 */
function lastOf(check: Check): Check {
  let lastIn: unknown = NOT_SURE;
  let lastOut: unknown = NOT_SURE;
  return (value, plain) => {
    if (value === lastIn) return lastOut;
    const out = check(value, plain);
    if (out !== NOT_SURE && (typeof value === 'string' || (typeof value === 'number' && value !== 0))) {
      lastIn = value;
      lastOut = out;
    }
    return out;
  };
}

/** The check of a schema at one place: a leaf's with its own last value (see lastOf). */
function compileAt(schema: SchemaInternals): Check {
  const check = compile(schema);
  return LEAVES.has(schema._zod.def.type) ? lastOf(check) : check;
}

/**
 * An array. When every entry's output is the entry itself, the output is the input array (zod's would be
 * an equal copy of it): a translated document's lines are checked without being copied.
 */
function array(schema: SchemaInternals, element: Check): Check {
  const checks = schema._zod.def.checks;
  return (value, plain) => {
    if (!Array.isArray(value) || Object.getPrototypeOf(value) !== Array.prototype) return NOT_SURE;
    const input = value as unknown[];
    let out: unknown[] | undefined;
    for (let i = 0; i < input.length; i++) {
      // A hole or an undefined entry is zod's business (it may report or keep it).
      if (!(i in input) || input[i] === undefined) return NOT_SURE;
      const item = element(input[i], plain);
      if (item === NOT_SURE) return NOT_SURE;
      if (out === undefined && item !== input[i]) out = input.slice(0, i);
      if (out !== undefined) out[i] = item;
    }
    const result = out ?? input;
    return refinementsPass(checks, result) ? result : NOT_SURE;
  };
}

/**
 * A strict object: only its own keys, each present one checked, the output in the schema's key order.
 * When the input has its keys in that order and every field's output is its value, the output is the
 * input object (zod's would be an equal copy of it).
 *
 * The fields are read in the input's own `for…in` walk, where V8 loads a value through the walk's cache
 * instead of looking each schema key up by name; only a field that walk did not meet is asked for by name.
 */
function object(schema: SchemaInternals, shape: Record<string, SchemaInternals>): Check {
  const keys = Object.keys(shape);
  // A bit per field records which ones the walk met.
  if (keys.length > 30) return objectByName(schema, shape);
  const known = new Map(keys.map((key, i) => [key, i]));
  const optional = keys.map((key) => shape[key]._zod.def.type === 'optional');
  // Fields named like something of Object.prototype, as it was when this module was loaded.
  const inherited = keys.map((key) => PROTOTYPE_NAMES.includes(key));
  const fieldChecks = keys.map((key, i) => {
    const field = shape[key];
    const inner = optional[i] ? field._zod.def.innerType : field;
    return inner ? compileAt(inner) : whole(field);
  });
  const all = (1 << keys.length) - 1;
  // zod's output per field of the input being checked, for a copy: made once, not per object checked.
  const scratch: unknown[] = keys.map(() => undefined);
  let busy = false;
  const checks = schema._zod.def.checks;
  return (value, plain) => {
    if (!isPlainObject(value)) return NOT_SURE;
    const input = value as Record<string, unknown>;
    // A schema that holds itself (through a getter) checks an object inside one it is checking.
    const parsedOf = busy ? keys.map(() => undefined) : scratch;
    const outer = !busy;
    busy = true;
    const result = fieldsOf(input, parsedOf, plain);
    if (outer) busy = false;
    return result;
  };

  function fieldsOf(input: Record<string, unknown>, parsedOf: unknown[], plain: boolean): unknown {
    let met = 0;
    let ordered = true;
    let changed = false;
    let last = -1;
    // Any key zod's `for…in` meets that is not a field is an unknown key for its strict object.
    for (const key in input) {
      const at = keyIndex(key, keys, known, ordered ? last + 1 : keys.length);
      if (at < 0) return NOT_SURE;
      // Found at or before the last key: the input's keys are not in the schema's order.
      if (at <= last) ordered = false;
      last = at;
      const v = input[key];
      // An own key holding undefined is zod's business (it keeps the key).
      if (v === undefined) return NOT_SURE;
      const parsed = fieldChecks[at](v, plain);
      if (parsed === NOT_SURE) return NOT_SURE;
      if (parsed !== v) changed = true;
      parsedOf[at] = parsed;
      met |= 1 << at;
    }
    if (met !== all) {
      for (let i = 0; i < keys.length; i++) {
        if ((met & (1 << i)) !== 0) continue;
        const key = keys[i];
        // Plain data has no other own keys, and Object.prototype holds none of this name (see quickParse).
        if ((plain && !inherited[i]) || !(key in input)) {
          if (!optional[i]) return NOT_SURE;
          continue;
        }
        // There but not enumerated (or inherited): as zod reads it, by name.
        const v = input[key];
        if (v === undefined) {
          if (Object.hasOwn(input, key) || !optional[i]) return NOT_SURE;
          continue;
        }
        if (!Object.hasOwn(input, key)) return NOT_SURE;
        const parsed = fieldChecks[i](v, plain);
        if (parsed === NOT_SURE) return NOT_SURE;
        // A field read but not enumerated would be missing from the input's JSON: the output is a copy.
        changed = true;
        parsedOf[i] = parsed;
        met |= 1 << i;
      }
    }
    let result: Record<string, unknown> = input;
    if (changed || !ordered) {
      result = {};
      for (let i = 0; i < keys.length; i++) {
        if ((met & (1 << i)) === 0) continue;
        result[keys[i]] = parsedOf[i];
      }
    }
    for (let i = 0; i < keys.length; i++) parsedOf[i] = undefined;
    return refinementsPass(checks, result) ? result : NOT_SURE;
  }
}

/** `object` for a schema with too many fields for a bit each: every field asked for by name. */
function objectByName(schema: SchemaInternals, shape: Record<string, SchemaInternals>): Check {
  const keys = Object.keys(shape);
  const known = new Map(keys.map((key, i) => [key, i]));
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
    // Made only once a field's output differs from its value.
    let out: Record<string, unknown> | undefined;
    let present = 0;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i];
      const v = input[f.key];
      if (v === undefined) {
        // An own key holding undefined is zod's business (it keeps the key); an absent one must be optional.
        if (Object.hasOwn(input, f.key) || !f.optional) return NOT_SURE;
        continue;
      }
      if (!Object.hasOwn(input, f.key)) return NOT_SURE;
      const parsed = f.check(v, false);
      if (parsed === NOT_SURE) return NOT_SURE;
      present++;
      if (out === undefined && parsed !== v) out = copyFields(input, fields, i);
      if (out !== undefined) out[f.key] = parsed;
    }
    // Any other key zod's `for…in` meets is an unknown key for its strict object (found as zod finds it,
    // without listing the keys). The same walk says whether the input's keys are in the schema's order.
    let ordered = true;
    let last = -1;
    let enumerated = 0;
    for (const key in input) {
      const at = keyIndex(key, keys, known, ordered ? last + 1 : keys.length);
      if (at < 0) return NOT_SURE;
      // Found at or before the last key: the input's keys are not in the schema's order.
      if (at <= last) ordered = false;
      last = at;
      enumerated++;
    }
    // A field read but not enumerated (a non-enumerable own key) would be missing from the input's JSON.
    if (out === undefined && (!ordered || enumerated !== present)) out = copyFields(input, fields, fields.length);
    const result = out ?? input;
    return refinementsPass(checks, result) ? result : NOT_SURE;
  };
}

/** A new object with the input's values of fields 0 .. n-1 that it has, in the schema's order. */
function copyFields(input: Record<string, unknown>, fields: readonly { key: string }[], n: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const v = input[fields[i].key];
    if (v !== undefined) out[fields[i].key] = v;
  }
  return out;
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
  else if (def.type === 'array' && def.element) check = array(schema, compileAt(def.element));
  else if (def.type === 'object' && def.shape && def.catchall?._zod.def.type === 'never') check = object(schema, def.shape);
  else check = whole(schema);
  compiled.set(schema, check);
  return check;
}

/**
 * zod's output for `value` when it is valid and the walk is sure of it, otherwise NOT_SURE (then ask
 * `schema.safeParse`, which also says why).
 *
 * `plain`: the value is plain data (what the mapping engine builds: object literals and arrays whose own
 * properties are all enumerable). A field the `for…in` walk does not meet is then absent without asking
 * the object for it by name, unless Object.prototype has (or may have gained) a property of its name.
 */
export function quickParse<T extends z.ZodType>(schema: T, value: unknown, plain = false): z.output<T> | typeof NOT_SURE {
  if (!prototypeClean()) return NOT_SURE;
  return compile(schema as unknown as SchemaInternals)(value, plain && prototypeAsLoaded()) as z.output<T> | typeof NOT_SURE;
}
