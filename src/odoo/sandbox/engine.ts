/**
 * The sandbox's tiny ORM: in-memory tables, field definitions, create/write/read/search with
 * Odoo's answer shapes (many2one as `[id, name]`, empty values as `false`), domains, ordering,
 * x2many commands, per-call transactions.
 */
import { attributeError, mandatoryFieldError, pyRepr, recordMissing, typeError, valueError, accessError } from './faults';

export type FieldType =
  | 'char'
  | 'text'
  | 'html'
  | 'integer'
  | 'float'
  | 'monetary'
  | 'boolean'
  | 'date'
  | 'datetime'
  | 'selection'
  | 'many2one'
  | 'one2many'
  | 'many2many';

export type Row = Record<string, unknown> & { id: number };

export interface FieldDef {
  type: FieldType;
  string: string;
  required?: boolean;
  readonly?: boolean;
  relation?: string;
  /** one2many: the many2one field on the comodel pointing back. */
  inverse?: string;
  selection?: Array<[string, string]>;
  default?: (env: Env, vals: Record<string, unknown>) => unknown;
  /** Non-stored computed field: derived at read time, writes are ignored. */
  compute?: (env: Env, row: Row) => unknown;
  /** The field exists only when this module is installed. */
  module?: string;
}

export type MethodImpl = (env: Env, ids: number[] | null, params: Record<string, unknown>) => unknown;

export interface MethodDef {
  /** true for `@api.model` methods (no ids). */
  model?: boolean;
  /** Names of the positional parameters after ids (for execute_kw). */
  params?: string[];
  /** Accepts any keyword (`**kwargs`). */
  anyKwargs?: boolean;
  /** Returns None (JSON-RPC: no result key; XML-RPC: marshalling fault after commit). */
  returnsNone?: boolean;
  impl: MethodImpl;
}

export interface ModelDef {
  name: string;
  description: string;
  order?: string;
  fields: Record<string, FieldDef>;
  methods?: Record<string, MethodDef>;
  displayName?: (env: Env, row: Row) => string;
  /** Checks run after create and write, on the touched rows. */
  constrain?: (env: Env, rows: Row[]) => void;
  afterCreate?: (env: Env, rows: Row[], vals: Record<string, unknown>[]) => void;
  afterWrite?: (env: Env, rows: Row[], vals: Record<string, unknown>) => void;
  /**
   * Stored computed fields of another model that read this model's rows (Odoo's `@api.depends` through a
   * one2many, as sale.order `_compute_amounts` on `order_line.price_subtotal`). After rows here are
   * created, written or deleted, the record their many2one `link` points to is written when one of
   * `fields` reads otherwise: Odoo recomputes such a field at flush and, when the value changed,
   * BaseModel._flush writes it with _write_multi, which sets write_date and write_uid for a computed
   * field too. Left alone when none changed (Field.write drops an unchanged value).
   */
  feeds?: { link: string; model: string; fields: readonly string[] };
  /** Name of the sequence giving `name` a value when it is not given (`S`, `P`...). */
  sequence?: (env: Env, vals: Record<string, unknown>) => string | undefined;
  /** Models with message_post (mail.thread). */
  mailThread?: boolean;
  /** Access rules for non-admin users: group label needed per operation. */
  acl?: { read?: string; write?: string };
}

export interface StoreState {
  tables: Record<string, Map<number, Row>>;
  nextId: Record<string, number>;
  sequences: Record<string, number>;
}

/** One change a transaction may have to undo (see Store.transaction). */
type Undo =
  | { kind: 'insert'; table: Map<number, Row>; id: number; prev: Row | undefined }
  | { kind: 'assign'; row: Row; field: string; had: boolean; prev: unknown }
  | { kind: 'remove'; table: Map<number, Row>; id: number; row: Row };

export interface SandboxUser {
  id: number;
  login: string;
  password?: string;
  apiKey?: string;
  admin: boolean;
}

export class Store {
  state: StoreState;
  readonly models: Map<string, ModelDef>;
  readonly modules: Set<string>;

  constructor(models: ModelDef[], modules: Iterable<string>) {
    this.models = new Map(models.map((m) => [m.name, m]));
    this.modules = new Set(modules);
    this.state = { tables: {}, nextId: {}, sequences: {} };
    for (const m of models) {
      this.state.tables[m.name] = new Map();
      this.state.nextId[m.name] = 1;
    }
  }

  /**
   * Whether calls are atomic (default true). A call records how to undo each change it makes, which
   * costs in proportion to its changes; with this off nothing is recorded (and nothing undone).
   */
  atomicCalls = true;

  /** How to undo the changes of the transactions running, oldest first; undefined outside of one. */
  private undoLog: Undo[] | undefined;
  /**
   * Per transaction running (outermost first): for each table a row was removed from, its ids in
   * order before the first removal, since a row put back by a Map goes to the end.
   */
  private removedOrders: Array<Map<Map<number, Row>, number[]>> = [];

  /**
   * Runs `fn` as one transaction: on a throw every change is undone (unless `atomicCalls` is off).
   * Changes are recorded as they are made (insert, assign, remove, ids and sequences taken) rather
   * than the whole state copied first, which cost a copy of every row for every call.
   */
  transaction<T>(fn: () => T): T {
    if (!this.atomicCalls) return fn();
    const log = (this.undoLog ??= []);
    const outermost = log.length === 0 && this.removedOrders.length === 0;
    const start = log.length;
    const nextId = { ...this.state.nextId };
    const sequences = { ...this.state.sequences };
    const removed = new Map<Map<number, Row>, number[]>();
    this.removedOrders.push(removed);
    let out: T;
    try {
      out = fn();
    } catch (err) {
      this.undo(log, start, removed);
      this.state.nextId = nextId;
      this.state.sequences = sequences;
      // the indexes describe the rows thrown away: rebuilt from the restored tables when next needed
      this.indexes.clear();
      this.indexLists.clear();
      throw err;
    } finally {
      this.removedOrders.pop();
      if (outermost) this.undoLog = undefined;
    }
    // Costs less than a copy of the state; catches a row changed without assign() in any test.
    const problems = this.indexProblems();
    if (problems.length) throw new Error(`sandbox index out of date: ${problems.slice(0, 3).join('; ')}`);
    return out;
  }

  /** Undoes the changes logged from `start` on, newest first, and puts removed rows back in their place. */
  private undo(log: Undo[], start: number, removed: Map<Map<number, Row>, number[]>): void {
    for (let i = log.length - 1; i >= start; i--) {
      const u = log[i]!;
      if (u.kind === 'insert') {
        if (u.prev === undefined) u.table.delete(u.id);
        else u.table.set(u.id, u.prev);
      } else if (u.kind === 'assign') {
        if (u.had) u.row[u.field] = u.prev;
        else delete u.row[u.field];
      } else u.table.set(u.id, u.row);
    }
    log.length = start;
    // every row now in such a table was in it at its first removal: the order then is the order before the call
    for (const [table, order] of removed) {
      const rows: Row[] = [];
      for (const id of order) {
        const row = table.get(id);
        if (row !== undefined) rows.push(row);
      }
      table.clear();
      for (const row of rows) table.set(row.id, row);
    }
  }

  table(model: string): Map<number, Row> {
    const t = this.state.tables[model];
    if (!t) throw new Error(`no table ${model}`);
    return t;
  }

  // ------------------------------------------------------------------ equality indexes
  //
  // A search or a one2many read would otherwise scan its whole table on every call, so a sandbox
  // that has taken thousands of orders slows down call by call (real Odoo has database indexes).
  // An index per (model, field) is built the first time a lookup needs it and kept current by the
  // three ways a row changes: insert, assign, remove. Rows must therefore never be changed by
  // assigning to them directly; with atomic calls on (the tests' default), every call ends with a
  // check that each index still matches its table.

  private indexes = new Map<string, Map<string, Map<unknown, Set<number>>>>();
  /** The same indexes as a list per model: every insert walks them, and a Map's entries cost an array each. */
  private indexLists = new Map<string, Array<{ field: string; index: Map<unknown, Set<number>> }>>();

  /** Adds a new row to its table. */
  insert(model: string, row: Row): void {
    const table = this.table(model);
    if (this.undoLog !== undefined) this.undoLog.push({ kind: 'insert', table, id: row.id, prev: table.get(row.id) });
    table.set(row.id, row);
    const list = this.indexLists.get(model);
    if (list) for (let i = 0; i < list.length; i++) addTo(list[i]!.index, row[list[i]!.field], row.id);
  }

  /** Sets one stored value of a row. */
  assign(model: string, row: Row, field: string, value: unknown): void {
    const index = this.indexes.get(model)?.get(field);
    if (index && row[field] !== value) {
      removeFrom(index, row[field], row.id);
      addTo(index, value, row.id);
    }
    if (this.undoLog !== undefined) this.undoLog.push({ kind: 'assign', row, field, had: Object.prototype.hasOwnProperty.call(row, field), prev: row[field] });
    row[field] = value;
  }

  /** Deletes a row from its table. */
  remove(model: string, id: number): void {
    const table = this.table(model);
    const row = table.get(id);
    if (!row) return;
    const list = this.indexLists.get(model);
    if (list) for (const { field, index } of list) removeFrom(index, row[field], id);
    if (this.undoLog !== undefined) {
      for (const removed of this.removedOrders) if (!removed.has(table)) removed.set(table, [...table.keys()]);
      this.undoLog.push({ kind: 'remove', table, id, row });
    }
    table.delete(id);
  }

  /** Ids of the rows whose stored `field` is exactly `value`, ascending (the tables' own order). */
  lookup(model: string, field: string, value: unknown): number[] {
    const bucket = this.index(model, field).get(value);
    if (!bucket) return [];
    const ids = [...bucket];
    // Rows enter a bucket when inserted or when the value changes, so a bucket is not always in id order.
    for (let i = 1; i < ids.length; i++) {
      if (ids[i - 1]! > ids[i]!) return ids.sort((a, b) => a - b);
    }
    return ids;
  }

  /** How many rows have exactly `value` in `field` (to pick the most selective index of a domain). */
  lookupSize(model: string, field: string, value: unknown): number {
    return this.index(model, field).get(value)?.size ?? 0;
  }

  private index(model: string, field: string): Map<unknown, Set<number>> {
    let byField = this.indexes.get(model);
    if (!byField) this.indexes.set(model, (byField = new Map()));
    let index = byField.get(field);
    if (!index) {
      index = new Map();
      for (const row of this.table(model).values()) addTo(index, row[field], row.id);
      byField.set(field, index);
      let list = this.indexLists.get(model);
      if (!list) this.indexLists.set(model, (list = []));
      list.push({ field, index });
    }
    return index;
  }

  /** Where an index no longer matches its table (a row changed behind the store's back); [] when none. */
  indexProblems(): string[] {
    const problems: string[] = [];
    for (const [model, byField] of this.indexes) {
      const table = this.table(model);
      for (const [field, index] of byField) {
        let indexed = 0;
        for (const [value, ids] of index) {
          for (const id of ids) {
            indexed++;
            const row = table.get(id);
            if (!row) problems.push(`${model}.${field}: index holds deleted id ${id}`);
            else if (row[field] !== value) problems.push(`${model}.${field}: id ${id} indexed under ${String(value)}, holds ${String(row[field])}`);
          }
        }
        if (indexed !== table.size) problems.push(`${model}.${field}: ${indexed} indexed rows, ${table.size} in the table`);
      }
    }
    return problems;
  }

  /**
   * The fields of a model as installed: asked for several times per created row, so kept per model
   * and recomputed only when the installed modules its fields depend on change.
   */
  installedFields(model: string): Record<string, FieldDef> {
    return this.fieldInfo(model).fields;
  }

  /** The installed fields a row stores (not computed, not one2many), in definition order. */
  storedFields(model: string): ReadonlyArray<[string, FieldDef]> {
    return this.fieldInfo(model).stored;
  }

  /** The stored fields that must hold a value. */
  requiredFields(model: string): ReadonlyArray<[string, FieldDef]> {
    return this.fieldInfo(model).required;
  }

  /** Whether a row holds a value in every required field (a generated test, for every created row). */
  requiredTest(model: string): (row: Row) => boolean {
    const info = this.fieldInfo(model);
    return (info.requiredTest ??= compileRequiredTest(info.required));
  }

  /**
   * How `create` turns values with exactly these keys (in this order) into a row, or undefined when
   * none was kept yet. A call creates many rows with the same keys (an order's lines, a picking's
   * moves), so the field lookups and the defaults to try are worked out once per key list.
   */
  createPlan(model: string, keys: readonly string[]): CreatePlan | undefined {
    const plans = this.fieldInfo(model).plans;
    for (const plan of plans) if (sameKeys(plan.keys, keys)) return plan;
    return undefined;
  }

  /** Keeps a plan for `createPlan`; a model keeps only a few (values with ever-new keys would otherwise pile up). */
  keepCreatePlan(model: string, plan: CreatePlan): void {
    const plans = this.fieldInfo(model).plans;
    if (plans.length >= MAX_CREATE_PLANS) plans.pop();
    plans.unshift(plan);
  }

  private fieldInfo(model: string): FieldInfo {
    const def = this.models.get(model);
    if (!def) throw new Error(`unknown model ${model}`);
    const cached = this.fieldCache.get(model);
    if (cached && this.sameModules(cached.modules)) return cached;
    const info: FieldInfo = { fields: {}, modules: [], stored: [], required: [], plans: [] };
    for (const [k, f] of Object.entries(def.fields)) {
      if (f.module !== undefined && !info.modules.some(([m]) => m === f.module)) info.modules.push([f.module, this.modules.has(f.module)]);
      if (f.module !== undefined && !this.modules.has(f.module)) continue;
      info.fields[k] = f;
      if (f.compute || f.type === 'one2many') continue;
      info.stored.push([k, f]);
      if (f.required) info.required.push([k, f]);
    }
    this.fieldCache.set(model, info);
    return info;
  }

  private fieldCache = new Map<string, FieldInfo>();

  /** Whether each module is (or is not) installed as recorded; asked for every created row. */
  private sameModules(recorded: ReadonlyArray<[string, boolean]>): boolean {
    for (let i = 0; i < recorded.length; i++) if (this.modules.has(recorded[i]![0]) !== recorded[i]![1]) return false;
    return true;
  }

  nextSequence(key: string, start = 1): number {
    const n = this.state.sequences[key] ?? start;
    this.state.sequences[key] = n + 1;
    return n;
  }
}

interface FieldInfo {
  fields: Record<string, FieldDef>;
  /** The modules the model's fields depend on, and whether each was installed when this was built. */
  modules: Array<[string, boolean]>;
  stored: Array<[string, FieldDef]>;
  required: Array<[string, FieldDef]>;
  /** Kept here so that a change of the installed modules drops them with the fields they were made from. */
  plans: CreatePlan[];
  requiredTest?: (row: Row) => boolean;
}

/**
 * A function telling whether a row has a value in each of these fields, with the emptiness test of
 * Env.checkRequired. Generated so that each field is a named property load, not a keyed load that
 * every model's rows share. Keys are the model's field names, each written as a JSON string literal.
 */
function compileRequiredTest(required: ReadonlyArray<[string, FieldDef]>): (row: Row) => boolean {
  const tests = required.map(
    ([k]) => `v = r[${JSON.stringify(k)}]; if (v === undefined || v === false || v === null || v === '' || (Array.isArray(v) && v.length === 0)) return false;`,
  );
  return new Function(`'use strict'; return function hasRequired(r) { let v; ${tests.join(' ')} return true; };`)() as (row: Row) => boolean;
}

/** What `create` works out from the keys of one values dict (see Store.createPlan). */
export interface CreatePlan {
  /** The keys of the values as given, `id` included when present. */
  keys: readonly string[];
  hasId: boolean;
  /** The given keys except `id`, with their fields, in the given order. */
  given: ReadonlyArray<[string, FieldDef]>;
  /** The stored fields not given, in definition order: the ones a default may fill. */
  missing: ReadonlyArray<[string, FieldDef]>;
  /** How its rows are made, per set of defaulted fields (see Env.rowBuilder). */
  builders?: RowBuilder[];
}

/** Converts one value for the row (Env.convert with the entry's key and field). */
type ConvertEntry = (entry: readonly [string, FieldDef], value: unknown) => unknown;

/** Makes the row `{ id, ...converted values }` with its keys in a fixed order; `tables` are the store's current ones. */
type RowMaker = (id: number, vals: Record<string, unknown>, convert: ConvertEntry, tables: Record<string, Map<number, Row>>) => Row;

interface RowBuilder {
  /** The plan's missing fields that got a value (by identity, the plan's own entries), in order. */
  defaulted: ReadonlyArray<[string, FieldDef]>;
  sequenced: boolean;
  /** The one2many keys, in order: applied once every row of the call exists. */
  pending: readonly string[];
  make: RowMaker;
}

const MAX_ROW_BUILDERS = 4;

const NO_ENTRIES: ReadonlyArray<[string, FieldDef]> = Object.freeze([]);

/** The same entries (by identity) in the same order; undefined is none. */
function sameEntries(a: ReadonlyArray<[string, FieldDef]>, b: ReadonlyArray<[string, FieldDef]> | undefined): boolean {
  const n = b === undefined ? 0 : b.length;
  if (a.length !== n) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b![i]) return false;
  return true;
}

/**
 * A function returning the row as one object literal, its values converted left to right (the order
 * the keys are listed in, so the same order of conversions and of a first error as key by key).
 * Generated because a row of a dozen fields added key by key (keyed stores of ever-changing keys, a
 * property store grown several times) cost about three times the literal, for every line and move.
 * Keys are the model's field names, each written as a JSON string literal.
 *
 * A value already in its stored form (a non-empty string for text, a number for a number, an existing
 * id for a many2one...) is taken as it is, with no call; anything else goes through `convert`, which
 * gives the same answer for those and owns every other case and every error. The tests have no side
 * effects, so the order of conversions and the first error stay those of `convert` alone.
 */
function compileRowMaker(entries: ReadonlyArray<readonly [string, FieldDef]>): RowMaker {
  const props = entries.map(([k, f], i) => {
    const slow = `c(E[${i}], x)`;
    let fast: string | undefined;
    switch (f.type) {
      case 'char':
      case 'text':
      case 'html':
        fast = `typeof x === 'string' && x !== ''`;
        break;
      case 'integer':
        fast = `typeof x === 'number' && Number.isInteger(x)`;
        break;
      case 'float':
      case 'monetary':
        fast = `typeof x === 'number' && x === x`;
        break;
      case 'boolean':
        fast = `x === true || x === false`;
        break;
      case 'datetime':
        // "now" as last formatted: what every created row's create_date and write_date get
        fast = `isNow(x)`;
        break;
      case 'selection':
        // read from the field when called, as convert does
        fast = `typeof x === 'string' && inSelection(E[${i}][1].selection, x)`;
        break;
      case 'many2one':
        // the table asked for when called, as convert does, rather than one kept from compile time
        if (f.relation !== undefined) fast = `typeof x === 'number' && x !== 0 && (t = T[${JSON.stringify(f.relation)}]) !== undefined && t.has(x)`;
        break;
      case 'many2many':
        // a plain list of existing ids, copied (the stored list is always a new array)
        if (f.relation !== undefined) {
          return `${JSON.stringify(k)}: ((x = v[${JSON.stringify(k)}]), (Array.isArray(x) && (t = existingIds(x, T[${JSON.stringify(f.relation)}])) !== undefined) ? t : ${slow})`;
        }
        break;
      default:
        break;
    }
    return `${JSON.stringify(k)}: ((x = v[${JSON.stringify(k)}]), ${fast === undefined ? slow : `${fast} ? x : ${slow}`})`;
  });
  const source = `'use strict'; return function makeRow(id, v, c, T) { let x, t; return { id: id${props.map((p) => `, ${p}`).join('')} }; };`;
  return new Function('E', 'inSelection', 'existingIds', 'isNow', source)(entries, inSelection, existingIds, isNow) as RowMaker;
}

/** `vals[key]` when `vals` is a dict of values (a create's, not yet checked), else undefined. */
function linkIn(vals: unknown, key: string): unknown {
  return vals !== null && typeof vals === 'object' && !Array.isArray(vals) ? (vals as Record<string, unknown>)[key] : undefined;
}

/** Whether two field values read the same (numbers, strings, false; an x2many's id list by its ids). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => x === b[i]);
}

/** A copy of `ids` when every one is a number with a row in `table`; undefined otherwise (then convert decides). */
function existingIds(ids: unknown[], table: Map<number, Row> | undefined): number[] | undefined {
  if (table === undefined) return undefined;
  const out: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (typeof id !== 'number' || !table.has(id)) return undefined;
    out.push(id);
  }
  return out;
}

/** Whether `value` is one of the selection's keys. */
function inSelection(selection: ReadonlyArray<[string, string]> | undefined, value: string): boolean {
  if (selection === undefined) return false;
  for (let i = 0; i < selection.length; i++) if (selection[i]![0] === value) return true;
  return false;
}

const MAX_CREATE_PLANS = 8;

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The `current` ids of a new row: shared, since convert only reads it. */
const NO_IDS: readonly number[] = Object.freeze([]);

/** Odoo's magic columns (odoo/models.py LOG_ACCESS_COLUMNS): set by the ORM, never from the caller's values. */
export const LOG_ACCESS_COLUMNS: ReadonlySet<string> = new Set(['create_uid', 'create_date', 'write_uid', 'write_date']);

/** The `id` field every model has; one shared definition since callers only read it. */
const ID_FIELD: FieldDef = Object.freeze({ type: 'integer', string: 'ID', readonly: true });

export interface EnvContext {
  [key: string]: unknown;
}

/** One call's environment: user, context, store. */
export class Env {
  constructor(
    readonly store: Store,
    readonly user: SandboxUser,
    readonly context: EnvContext = {},
    /** The call's "now" once asked: Odoo's cr.now() is the transaction's start, the same for every row it touches. */
    private callNow?: string,
  ) {}

  get uid(): number {
    return this.user.id;
  }

  private contextDefaults: boolean | undefined;

  /** Whether the context carries any `default_<field>` (most calls have none: no lookup per field then). */
  private hasContextDefaults(): boolean {
    this.contextDefaults ??= Object.keys(this.context).some((k) => k.startsWith('default_'));
    return this.contextDefaults;
  }

  withContext(extra: EnvContext): Env {
    // a seed call's own time replaces the call's
    return new Env(this.store, this.user, { ...this.context, ...extra }, '__sandbox_now' in extra ? undefined : this.callNow);
  }

  model(name: string): ModelDef {
    const m = this.store.models.get(name);
    if (!m) throw new Error(`unknown model ${name}`);
    return m;
  }

  /** The installed fields of a model (a shared object: do not change it). */
  fields(model: string): Record<string, FieldDef> {
    return this.store.installedFields(model);
  }

  field(model: string, name: string): FieldDef | undefined {
    if (name === 'id') return ID_FIELD;
    const f = this.model(model).fields[name];
    if (!f) return undefined;
    if (f.module !== undefined && !this.store.modules.has(f.module)) return undefined;
    return f;
  }

  row(model: string, id: number): Row | undefined {
    return this.store.table(model).get(id);
  }

  rows(model: string, ids: number[]): Row[] {
    const missing = ids.filter((id) => !this.store.table(model).has(id));
    if (missing.length) throw recordMissing(model, missing, this.uid);
    return ids.map((id) => this.store.table(model).get(id)!);
  }

  all(model: string): Row[] {
    return [...this.store.table(model).values()];
  }

  /** The rows whose stored `field` is exactly `value`, in id order (an index lookup, not a scan). */
  rowsBy(model: string, field: string, value: unknown): Row[] {
    const table = this.store.table(model);
    return this.store.lookup(model, field, value).map((id) => table.get(id)!);
  }

  /**
   * Sets stored values of a row (the only way a model's code may change a row: keeps the indexes
   * current) and, as Odoo's ORM does for every stored change (BaseModel.write / _write), its write_date.
   */
  assign(model: string, row: Row, vals: Record<string, unknown>): void {
    for (const [k, v] of Object.entries(vals)) this.store.assign(model, row, k, v);
    this.touch(model, row);
  }

  /**
   * Stamps write_date / write_uid (BaseModel LOG_ACCESS_COLUMNS) on a changed row. Never before its
   * create_date: a seed call run "in the past" (__sandbox_now) changes rows created now.
   */
  touch(model: string, row: Row): void {
    const current = row.write_date;
    if (current === undefined) return; // a model without log access columns
    const stamp = this.stampFor(row);
    if (current !== stamp) this.store.assign(model, row, 'write_date', stamp);
    const uid = this.userId() ?? false;
    if (row.write_uid !== uid) this.store.assign(model, row, 'write_uid', uid);
  }

  /** The write_date a change now gives `row`: the call's time, never before its create_date. */
  private stampFor(row: Row): string {
    const at = this.now();
    return typeof row.create_date === 'string' && row.create_date > at ? row.create_date : at;
  }

  /** Whether {@link touch} would leave `row` as it is: already created or written by this call's user now. */
  private touched(row: Row): boolean {
    return row.write_date === undefined || (row.write_date === this.stampFor(row) && row.write_uid === (this.userId() ?? false));
  }

  /**
   * What the fields `def` feeds read now on the records `links` name (many2one values), before a change
   * of rows of `def`; records this call already wrote are left out, since writing them again changes
   * nothing (an order's own create or write of its lines). undefined when there is nothing to watch.
   */
  private fedValues(def: ModelDef, links: Iterable<unknown>): Map<Row, unknown[]> | undefined {
    const feeds = def.feeds;
    if (feeds === undefined) return undefined;
    let out: Map<Row, unknown[]> | undefined;
    for (const link of links) {
      const id = Array.isArray(link) ? link[0] : link;
      const row = typeof id === 'number' ? this.row(feeds.model, id) : undefined;
      if (row === undefined || out?.has(row) || this.touched(row)) continue;
      (out ??= new Map()).set(row, feeds.fields.map((f) => this.get(feeds.model, row, f)));
    }
    return out;
  }

  /** Writes the records of {@link fedValues} whose fed fields now read otherwise (and still exist). */
  private writeFed(def: ModelDef, before: Map<Row, unknown[]> | undefined): void {
    if (before === undefined) return;
    const { model, fields } = def.feeds!;
    for (const [row, was] of before) {
      if (this.row(model, row.id) !== row) continue;
      if (fields.some((f, i) => !sameValue(this.get(model, row, f), was[i]))) this.touch(model, row);
    }
  }

  private userRowId: number | false | undefined;

  /** The caller's id when it has a res.users row (a seed loads records before its users), else undefined; asked once a call. */
  userId(): number | undefined {
    this.userRowId ??= this.store.table('res.users').has(this.uid) ? this.uid : false;
    return this.userRowId === false ? undefined : this.userRowId;
  }

  now(): string {
    // A seed call may happen at a fixed past time (a purchase order confirmed long before the sandbox ran).
    if (this.callNow !== undefined) return this.callNow;
    const at = this.context.__sandbox_now;
    return (this.callNow = typeof at === 'string' ? at : formatNow());
  }

  today(): string {
    return formatDatetime(new Date()).slice(0, 10);
  }

  checkAccess(model: string, op: 'read' | 'write'): void {
    if (this.user.admin) return;
    const def = this.model(model);
    const group = op === 'read' ? def.acl?.read : (def.acl?.write ?? def.acl?.read);
    if (!group) return;
    const verb = op === 'read' ? 'access' : 'modify';
    throw accessError(
      `You are not allowed to ${verb} '${def.description}' (${model}) records.\n\nThis operation is allowed for the following groups:\n\t- ${group}\n\nContact your administrator to request access if necessary.`,
    );
  }

  // ------------------------------------------------------------------ values

  /** The value of a field, computed ones included (raw form: m2o id|false, x2many ids). */
  get(model: string, row: Row, field: string): unknown {
    if (field === 'id') return row.id;
    const f = this.field(model, field);
    if (!f) throw valueError(`Invalid field '${field}' on model '${model}'`);
    if (f.compute) return f.compute(this, row);
    if (f.type === 'one2many') return this.store.lookup(f.relation!, f.inverse!, row.id);
    const v = row[field];
    if (v === undefined) return f.type === 'many2many' ? [] : emptyValue(f);
    return v;
  }

  displayName(model: string, id: number): string {
    const row = this.row(model, id);
    if (!row) return '';
    const def = this.model(model);
    if (def.displayName) return def.displayName(this, row);
    const name = row.name;
    return typeof name === 'string' ? name : `${model},${id}`;
  }

  // ------------------------------------------------------------------ create / write

  create(model: string, valsList: Record<string, unknown>[]): number[] {
    return this.createRows(model, valsList, false);
  }

  /**
   * create() of values the caller made for this call alone (a model's code creating its records, a
   * request's decoded body): the defaults are written into them rather than into a copy, one2many
   * command values included, and afterCreate sees them completed.
   */
  createOwned(model: string, valsList: Record<string, unknown>[]): number[] {
    return this.createRows(model, valsList, true);
  }

  /**
   * `owned`: the values are private to this call, so defaults may be written into them instead of
   * into yet another copy (one2many lines are copied once anyway, to add their inverse).
   * `nestedOwned`: so are the values inside them (one2many commands): false when only the outer
   * objects are copies. `oneByOne`: each row is finished (its one2many values, required fields,
   * afterCreate, constrain) before the next is made, exactly as one call per row would do it, without
   * the work of a call per row.
   */
  private createRows(model: string, valsList: Record<string, unknown>[], owned: boolean, oneByOne = false, nestedOwned = owned): number[] {
    this.checkAccess(model, 'write');
    const def = this.model(model);
    const fed = def.feeds === undefined ? undefined : this.fedValues(def, valsList.map((v) => linkIn(v, def.feeds!.link) ?? this.context[`default_${def.feeds!.link}`]));
    const ctxDefaults = this.hasContextDefaults();
    const required = this.store.requiredFields(model);
    // the generic check runs only for a row lacking a value, to name the first field missing
    const hasRequired = this.store.requiredTest(model);
    const created: Row[] = [];
    // one2many values wait until every row of the call exists; most rows have none, so no list then
    let pending: Array<{ row: Row; name: string; value: unknown }> | undefined;
    let conv: ConvertEntry | undefined;
    for (const inVals of valsList) {
      if (inVals === null || typeof inVals !== 'object' || Array.isArray(inVals)) {
        throw typeError(`create() argument must be a dict or a list of dicts, not ${pyRepr(inVals)}`);
      }
      const plan = this.createPlanFor(model, Object.keys(inVals));
      const vals: Record<string, unknown> = owned ? inVals : copyValues(inVals);
      if (plan.hasId) delete vals.id;
      // defaults: context default_<field>, then the field's default, in definition order (a default may read an earlier one).
      // Most rows default the same fields as the row before: those are matched against its builder's
      // list as they come, and a list of their own is made only when they differ.
      const expected = plan.builders?.[0]?.defaulted;
      let matched = 0;
      let defaulted: Array<[string, FieldDef]> | undefined;
      for (const entry of plan.missing) {
        const k = entry[0];
        const f = entry[1];
        const ctxDefault = ctxDefaults ? this.context[`default_${k}`] : undefined;
        if (ctxDefault !== undefined) vals[k] = ctxDefault;
        else if (f.default) {
          const d = f.default(this, vals);
          if (d === undefined) continue;
          vals[k] = d;
        } else continue;
        if (defaulted === undefined && expected !== undefined && matched < expected.length && expected[matched] === entry) matched++;
        else (defaulted ??= expected === undefined ? [] : expected.slice(0, matched)).push(entry);
      }
      if (defaulted === undefined && matched > 0) defaulted = matched === expected!.length ? (expected as Array<[string, FieldDef]>) : expected!.slice(0, matched);
      let sequenced = false;
      if (def.sequence && (vals.name === undefined || vals.name === false || vals.name === 'New' || vals.name === '/')) {
        const seq = def.sequence(this, vals);
        if (seq !== undefined) {
          // a name not given nor defaulted is a key of its own, after the others
          sequenced = !('name' in vals);
          vals.name = seq;
        }
      }
      const id = this.store.state.nextId[model]!;
      this.store.state.nextId[model] = id + 1;
      // The row takes the values' keys in their order: given, defaulted, then a sequence's name.
      const builder = this.rowBuilder(model, plan, defaulted, sequenced);
      let row: Row;
      if (builder !== undefined) {
        row = builder.make(id, vals, (conv ??= (e, v) => this.convert(model, e[0], e[1], v, NO_IDS)), this.store.state.tables);
        for (const k of builder.pending) (pending ??= []).push({ row, name: k, value: vals[k] });
      } else {
        row = { id };
        for (const [k, f] of plan.given) {
          if (f.compute) continue;
          if (f.type === 'one2many') (pending ??= []).push({ row, name: k, value: vals[k] });
          else row[k] = this.convert(model, k, f, vals[k], NO_IDS);
        }
        if (defaulted) for (const [k, f] of defaulted) row[k] = this.convert(model, k, f, vals[k], NO_IDS);
        if (sequenced) {
          const f = this.field(model, 'name')!;
          if (f.type === 'one2many') (pending ??= []).push({ row, name: 'name', value: vals.name });
          else if (!f.compute) row.name = this.convert(model, 'name', f, vals.name, NO_IDS);
        }
      }
      this.store.insert(model, row);
      created.push(row);
      if (oneByOne) {
        if (pending) {
          for (const p of pending) this.applyX2many(model, p.row, p.name, p.value, nestedOwned);
          pending = undefined;
        }
        if (!hasRequired(row)) this.checkRequired(model, row, required);
        if (def.afterCreate) def.afterCreate(this, [row], [inVals]);
        if (def.constrain) def.constrain(this, [row]);
      }
    }
    if (!oneByOne) {
      if (pending) for (const { row, name, value } of pending) this.applyX2many(model, row, name, value, nestedOwned);
      for (const row of created) if (!hasRequired(row)) this.checkRequired(model, row, required);
      def.afterCreate?.(this, created, valsList);
      def.constrain?.(this, created);
    }
    this.writeFed(def, fed);
    const ids: number[] = [];
    for (let i = 0; i < created.length; i++) ids.push(created[i]!.id);
    return ids;
  }

  /**
   * How rows of this plan with these defaulted fields (and sequence name or not) are made: kept on the
   * plan, or made now. undefined when the generic loop must do it (a key an object literal would treat
   * as the prototype, a sequence without a name field).
   */
  private rowBuilder(model: string, plan: CreatePlan, defaulted: ReadonlyArray<[string, FieldDef]> | undefined, sequenced: boolean): RowBuilder | undefined {
    const kept = plan.builders;
    if (kept !== undefined) {
      for (const b of kept) if (b.sequenced === sequenced && sameEntries(b.defaulted, defaulted)) return b;
    }
    const entries: Array<readonly [string, FieldDef]> = [];
    const pending: string[] = [];
    for (const e of plan.given) {
      if (e[1].compute) continue;
      if (e[1].type === 'one2many') pending.push(e[0]);
      else entries.push(e);
    }
    if (defaulted) entries.push(...defaulted);
    if (sequenced) {
      const f = this.field(model, 'name');
      if (f === undefined) return undefined;
      if (f.type === 'one2many') pending.push('name');
      else if (!f.compute) entries.push(['name', f]);
    }
    if (entries.some(([k]) => k === '__proto__' || k === 'id')) return undefined;
    const builder: RowBuilder = { defaulted: defaulted ?? NO_ENTRIES, sequenced, pending, make: compileRowMaker(entries) };
    const list = (plan.builders ??= []);
    if (list.length >= MAX_ROW_BUILDERS) list.pop();
    list.unshift(builder);
    return builder;
  }

  /** The plan for values with these keys: kept, or worked out (which refuses an unknown field). */
  private createPlanFor(model: string, keys: string[]): CreatePlan {
    const kept = this.store.createPlan(model, keys);
    if (kept) return kept;
    const given: Array<[string, FieldDef]> = [];
    const names = new Set<string>();
    for (const k of keys) {
      if (k === 'id') continue;
      const f = this.field(model, k);
      if (!f) throw valueError(`Invalid field '${k}' on model '${model}'`);
      // Odoo pops the log access columns from a create's values and sets its own (BaseModel._prepare_create_values)
      if (LOG_ACCESS_COLUMNS.has(k)) continue;
      given.push([k, f]);
      names.add(k);
    }
    const plan: CreatePlan = { keys, hasId: keys.includes('id'), given, missing: this.store.storedFields(model).filter(([k]) => !names.has(k)) };
    this.store.keepCreatePlan(model, plan);
    return plan;
  }

  write(model: string, ids: number[], vals: Record<string, unknown>): true {
    this.checkAccess(model, 'write');
    if (vals === null || typeof vals !== 'object' || Array.isArray(vals)) throw typeError('write() argument must be a dict');
    for (const k of Object.keys(vals)) if (!this.field(model, k)) throw valueError(`Invalid field '${k}' on model '${model}'`);
    const rows = this.rows(model, ids);
    const def = this.model(model);
    // the records the rows feed before the write, and the one a changed link moves them to
    const fed = def.feeds === undefined ? undefined : this.fedValues(def, [...rows.map((r) => r[def.feeds!.link]), vals[def.feeds.link]]);
    for (const row of rows) {
      for (const [k, v] of Object.entries(vals)) {
        // Odoo drops id and the log access columns from a write's values (BaseModel.write, bad_names)
        if (k === 'id' || LOG_ACCESS_COLUMNS.has(k)) continue;
        const f = this.field(model, k)!;
        if (f.compute) continue; // a computed field without inverse: ignored
        if (f.type === 'one2many') this.applyX2many(model, row, k, v);
        else this.store.assign(model, row, k, this.convert(model, k, f, v, (row[k] as number[] | undefined) ?? []));
      }
      this.touch(model, row);
      this.checkRequired(model, row, this.store.requiredFields(model));
    }
    def.afterWrite?.(this, rows, vals);
    def.constrain?.(this, rows);
    this.writeFed(def, fed);
    return true;
  }

  unlink(model: string, ids: number[]): true {
    this.checkAccess(model, 'write');
    const rows = this.rows(model, ids);
    const def = this.model(model);
    const fed = def.feeds === undefined ? undefined : this.fedValues(def, rows.map((r) => r[def.feeds!.link]));
    for (const id of ids) {
      // cascade one2many children (ondelete cascade)
      for (const [k, f] of Object.entries(this.fields(model))) {
        if (f.type !== 'one2many' || f.compute) continue;
        const row = this.row(model, id);
        if (!row) continue;
        const children = this.get(model, row, k) as number[];
        if (children.length) this.unlink(f.relation!, children);
      }
      this.store.remove(model, id);
    }
    this.writeFed(def, fed);
    return true;
  }

  private checkRequired(model: string, row: Row, required: ReadonlyArray<[string, FieldDef]>): void {
    for (const [k, f] of required) {
      const v = row[k];
      if (v === undefined || v === false || v === null || v === '' || (Array.isArray(v) && v.length === 0)) {
        throw mandatoryFieldError(this.model(model).description, model, f.string, k);
      }
    }
  }

  private convert(model: string, name: string, f: FieldDef, v: unknown, current: readonly number[]): unknown {
    if (v === null || v === undefined) v = false;
    switch (f.type) {
      case 'char':
      case 'text':
      case 'html':
      case 'date':
      case 'datetime':
        if (v === false || v === '') return false;
        if (typeof v !== 'string') {
          if (typeof v === 'number' && (f.type === 'char' || f.type === 'text')) return String(v);
          throw valueError(`Wrong value for ${model}.${name}: ${pyRepr(v)}`);
        }
        if (f.type === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(v)) throw valueError(`time data ${pyRepr(v)} does not match format '%Y-%m-%d'`);
        if (f.type === 'datetime') {
          // "now" as formatted here (most created rows get it by default) needs no pattern test
          if (v === lastFormatted) return v;
          if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return `${v} 00:00:00`;
          if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(v)) throw valueError(`time data ${pyRepr(v)} does not match format '%Y-%m-%d %H:%M:%S'`);
        }
        return v;
      case 'integer':
      case 'float':
      case 'monetary': {
        if (v === false) return 0;
        const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
        if (typeof n !== 'number' || Number.isNaN(n)) throw valueError(`could not convert string to float: ${pyRepr(v)}`);
        return f.type === 'integer' ? Math.trunc(n) : n;
      }
      case 'boolean':
        return Boolean(v);
      case 'selection':
        if (v === false) return false;
        if (!f.selection!.some(([k]) => k === v)) throw valueError(`Wrong value for ${model}.${name}: ${pyRepr(v)}`);
        return v;
      case 'many2one': {
        if (v === false || v === 0) return false;
        const id = Array.isArray(v) ? v[0] : v;
        if (typeof id !== 'number' || !Number.isInteger(id)) throw valueError(`Wrong value for ${model}.${name}: ${pyRepr(v)}`);
        if (!this.store.table(f.relation!).has(id)) throw recordMissing(f.relation!, [id], this.uid);
        return id;
      }
      case 'many2many':
        return this.x2manyIds(model, name, f, v, current);
      default:
        return v;
    }
  }

  /** many2many: the resulting id list after commands / a plain list of ids. */
  private x2manyIds(model: string, name: string, f: FieldDef, v: unknown, current: readonly number[]): number[] {
    if (v === false) return [];
    if (!Array.isArray(v)) throw valueError(`Wrong value for ${model}.${name}: ${pyRepr(v)}`);
    const check = (id: unknown): number => {
      if (typeof id !== 'number' || !this.store.table(f.relation!).has(id)) throw recordMissing(f.relation!, [Number(id)], this.uid);
      return id;
    };
    if (v.every((x) => typeof x === 'number')) return v.map(check);
    let ids = [...current];
    for (const cmd of v) {
      if (!Array.isArray(cmd)) throw valueError(`Wrong value for ${model}.${name}: ${pyRepr(v)}`);
      const [op, id, arg] = cmd as [number, number, unknown];
      switch (op) {
        case 0: {
          const [nid] = this.create(f.relation!, [arg as Record<string, unknown>]);
          ids.push(nid!);
          break;
        }
        case 1:
          this.write(f.relation!, [check(id)], arg as Record<string, unknown>);
          break;
        case 2:
          this.unlink(f.relation!, [check(id)]);
          ids = ids.filter((x) => x !== id);
          break;
        case 3:
          ids = ids.filter((x) => x !== id);
          break;
        case 4:
          if (!ids.includes(check(id))) ids.push(id);
          break;
        case 5:
          ids = [];
          break;
        case 6:
          ids = ((arg as unknown[]) ?? []).map(check);
          break;
        default:
          throw valueError(`Wrong value for ${model}.${name}: ${pyRepr(v)}`);
      }
    }
    return ids;
  }

  /** `owned`: the command values belong to this call (see createOwned), so a new line's values need no copy. */
  private applyX2many(model: string, row: Row, name: string, v: unknown, owned = false): void {
    const f = this.field(model, name)!;
    const inv = f.inverse!;
    const rel = f.relation!;
    if (v === false || v === null) v = [[5]];
    if (!Array.isArray(v)) throw valueError(`Wrong value for ${model}.${name}: ${pyRepr(v)}`);
    const cmds = v.every((x) => typeof x === 'number') ? [[6, 0, v]] : v;
    for (let i = 0; i < cmds.length; i++) {
      const cmd: unknown = cmds[i];
      if (!Array.isArray(cmd)) throw valueError(`Wrong value for ${model}.${name}: ${pyRepr(v)}`);
      const [op, id, arg] = cmd as [number, number, unknown];
      if (op === 0) {
        // A run of creates (an order's lines) is one call that finishes each row before the next:
        // the same rows, ids and first error as a call per line.
        const run: Record<string, unknown>[] = [];
        let j = i;
        for (; j < cmds.length; j++) {
          const c: unknown = cmds[j];
          if (!Array.isArray(c) || c[0] !== 0) break;
          run.push(lineValues(c[2], inv, row.id, owned));
        }
        i = j - 1;
        this.createRows(rel, run, true, true, owned);
        continue;
      }
      const current = () => this.get(model, row, name) as number[];
      switch (op) {
        case 1:
          this.write(rel, [id], arg as Record<string, unknown>);
          break;
        case 2:
        case 3:
          this.unlink(rel, [id]);
          break;
        case 4:
          this.write(rel, [id], { [inv]: row.id });
          break;
        case 5:
          if (current().length) this.unlink(rel, current());
          break;
        case 6: {
          const keep = new Set(((arg as number[]) ?? []).map(Number));
          const drop = current().filter((x) => !keep.has(x));
          if (drop.length) this.unlink(rel, drop);
          for (const k of keep) this.write(rel, [k], { [inv]: row.id });
          break;
        }
        default:
          throw valueError(`Wrong value for ${model}.${name}: ${pyRepr(v)}`);
      }
    }
  }

  // ------------------------------------------------------------------ read

  read(model: string, ids: number[], fields?: string[] | false | null, load: unknown = '_classic_read'): Record<string, unknown>[] {
    this.checkAccess(model, 'read');
    const names = this.resolveFields(model, fields);
    const out: Record<string, unknown>[] = [];
    for (const id of ids) {
      const row = this.row(model, id);
      if (!row) continue; // read() of a missing id: silently absent
      out.push(this.format(model, row, names, load !== null && load !== false && load !== undefined));
    }
    return out;
  }

  /**
   * `web_read(specification)` of the web module (17.0+), as web_save answers: the fields the
   * specification names, read with load=None (a many2one is a bare id); a many2one whose spec has
   * `fields` becomes `{id, ...}` (with `display_name` when asked), an x2many whose spec has `fields`
   * a list of such dicts (`limit`: only the first ones read, the rest `{id}`; `order`: re-sorted).
   * An empty specification gives `[{id}]` for every id, existing or not, as Odoo does.
   */
  webRead(model: string, ids: number[], specification: unknown): Record<string, unknown>[] {
    if (specification === null || specification === undefined) throw typeError("'NoneType' object is not iterable");
    if (typeof specification !== 'object' || Array.isArray(specification)) {
      const pyType = Array.isArray(specification) ? 'list' : typeof specification === 'string' ? 'str' : typeof specification === 'boolean' ? 'bool' : 'int';
      throw attributeError(`'${pyType}' object has no attribute 'items'`);
    }
    const spec = specification as Record<string, unknown>;
    const names = Object.keys(spec);
    if (names.length === 0 || (names.length === 1 && names[0] === 'id')) return ids.map((id) => ({ id }));
    const values = this.read(model, ids, names, null);
    for (const [name, sub] of Object.entries(spec)) {
      const f = this.field(model, name);
      const subSpec = sub !== null && typeof sub === 'object' && !Array.isArray(sub) ? (sub as Record<string, unknown>) : {};
      const env = subSpec.context && typeof subSpec.context === 'object' ? this.withContext(subSpec.context as EnvContext) : this;
      if (f?.type === 'many2one' && 'fields' in subSpec) {
        const extra = { ...((subSpec.fields ?? {}) as Record<string, unknown>) };
        const wantsName = 'display_name' in extra;
        delete extra.display_name;
        const co = [...new Set(values.map((v) => v[name]).filter((v): v is number => typeof v === 'number'))];
        const byId = new Map(env.webRead(f.relation!, co, extra).map((r) => [r.id as number, r]));
        for (const v of values) {
          if (typeof v[name] !== 'number') continue;
          const rec = byId.get(v[name] as number) ?? { id: v[name] };
          if (wantsName) rec.display_name = env.displayName(f.relation!, v[name] as number);
          v[name] = rec;
        }
      } else if ((f?.type === 'one2many' || f?.type === 'many2many') && Object.keys(subSpec).length > 0) {
        if (typeof subSpec.order === 'string' && subSpec.order) {
          const all = [...new Set(values.flatMap((v) => v[name] as number[]))];
          const rank = new Map(env.search(f.relation!, [['id', 'in', all]], { order: subSpec.order }).map((id, i) => [id, i]));
          for (const v of values) v[name] = (v[name] as number[]).filter((id) => rank.has(id)).sort((a, b) => rank.get(a)! - rank.get(b)!);
        }
        if ('fields' in subSpec) {
          const limit = typeof subSpec.limit === 'number' ? subSpec.limit : undefined;
          const wanted = [...new Set(values.flatMap((v) => (limit === undefined ? (v[name] as number[]) : (v[name] as number[]).slice(0, limit))))];
          const byId = new Map(env.webRead(f.relation!, wanted, subSpec.fields ?? {}).map((r) => [r.id as number, r]));
          for (const v of values) v[name] = (v[name] as number[]).map((id) => byId.get(id) ?? { id });
        }
      }
    }
    return values;
  }

  resolveFields(model: string, fields?: string[] | false | null): string[] {
    if (!fields || (Array.isArray(fields) && fields.length === 0)) return Object.keys(this.fields(model));
    if (!Array.isArray(fields)) throw typeError('fields must be a list of field names');
    for (const f of fields) if (f !== 'id' && !this.field(model, f)) throw valueError(`Invalid field '${String(f)}' on model '${model}'`);
    return fields.filter((f) => f !== 'id');
  }

  format(model: string, row: Row, names: string[], classic: boolean): Record<string, unknown> {
    const rec: Record<string, unknown> = { id: row.id };
    for (const n of names) {
      const f = this.field(model, n)!;
      const v = this.get(model, row, n);
      if (f.type === 'many2one') {
        rec[n] = v === false || v === undefined ? false : classic ? [v, this.displayName(f.relation!, v as number)] : v;
      } else if (f.type === 'one2many' || f.type === 'many2many') {
        rec[n] = Array.isArray(v) ? [...v] : [];
      } else {
        rec[n] = v === undefined || v === null ? emptyValue(f) : v;
      }
    }
    return rec;
  }

  // ------------------------------------------------------------------ search

  search(model: string, domain: unknown, opts: { offset?: unknown; limit?: unknown; order?: unknown } = {}): number[] {
    this.checkAccess(model, 'read');
    const pred = this.compileDomain(model, domain);
    const activeTest = this.context.active_test !== false && this.field(model, 'active') !== undefined && !domainMentions(domain, 'active');
    const candidates = this.indexedCandidates(model, domain);
    const table = this.store.table(model);
    let rows = (candidates ? candidates.map((id) => table.get(id)!) : this.all(model)).filter((r) => (!activeTest || this.get(model, r, 'active') !== false) && pred(r));
    rows = this.sort(model, rows, typeof opts.order === 'string' && opts.order ? opts.order : (this.model(model).order ?? 'id'));
    const offset = typeof opts.offset === 'number' ? opts.offset : 0;
    const limit = typeof opts.limit === 'number' && opts.limit > 0 ? opts.limit : undefined;
    rows = rows.slice(offset, limit === undefined ? undefined : offset + limit);
    return rows.map((r) => r.id);
  }

  /**
   * For a domain that is a plain conjunction, the rows one of its equality leaves allows, from an
   * index (the smallest such set); undefined when no leaf can narrow the search (then every row is
   * tested). The full domain is still applied to the candidates, so the answer is what a scan gives.
   */
  private indexedCandidates(model: string, domain: unknown): number[] | undefined {
    if (!Array.isArray(domain)) return undefined;
    let best: { field: string; values: unknown[]; size: number } | undefined;
    for (const item of domain) {
      if (item === '&') continue;
      // '|' and '!' make the leaves optional or negated: no single leaf bounds the result
      if (!Array.isArray(item)) return undefined;
      const values = this.indexableLeaf(model, item);
      if (!values) continue;
      const [field] = item as [string];
      if (field === 'id') {
        const table = this.store.table(model);
        return [...new Set(values as number[])].filter((id) => table.has(id)).sort((a, b) => a - b);
      }
      let size = 0;
      for (const v of values) size += this.store.lookupSize(model, field, v);
      if (!best || size < best.size) best = { field, values, size };
    }
    if (!best) return undefined;
    if (best.values.length === 1) return this.store.lookup(model, best.field, best.values[0]);
    const ids = new Set<number>();
    for (const v of best.values) for (const id of this.store.lookup(model, best.field, v)) ids.add(id);
    return [...ids].sort((a, b) => a - b);
  }

  /**
   * The stored values a leaf matches exactly, when it is `=` or `in` on a stored field of this model
   * whose match is plain equality (text, selection, dates, integer, many2one by id) with non-empty
   * values; otherwise undefined. Empty values, floats, names of many2one records, paths through
   * relations and computed fields keep the scan.
   */
  private indexableLeaf(model: string, leaf: unknown[]): unknown[] | undefined {
    if (leaf.length !== 3) return undefined;
    const [path, op, value] = leaf;
    if (typeof path !== 'string' || (op !== '=' && op !== 'in')) return undefined;
    const values = op === 'in' ? value : [value];
    if (!Array.isArray(values) || values.length === 0) return undefined;
    if (path === 'id') return values.every((v) => typeof v === 'number' && Number.isInteger(v)) ? values : undefined;
    const f = this.field(model, path);
    if (!f || f.compute) return undefined;
    switch (f.type) {
      case 'char':
      case 'text':
      case 'html':
      case 'selection':
      case 'date':
      case 'datetime':
        return values.every((v) => typeof v === 'string' && v !== '') ? values : undefined;
      case 'integer':
      case 'many2one':
        return values.every((v) => typeof v === 'number' && Number.isInteger(v) && v !== 0) ? values : undefined;
      default:
        return undefined;
    }
  }

  private sort(model: string, rows: Row[], order: string): Row[] {
    const keys: Array<{ field: string; desc: boolean }> = [];
    for (const part of order.split(',')) {
      const m = /^\s*([a-z_][a-z0-9_]*)(?:\s+(asc|desc))?(?:\s+nulls\s+(?:first|last))?\s*$/i.exec(part);
      if (!m || !this.field(model, m[1]!)) {
        throw valueError(
          `Invalid "order" specified (${order}). A valid "order" specification is a comma-separated list of valid field names (optionally followed by asc/desc for the direction)`,
        );
      }
      keys.push({ field: m[1]!, desc: (m[2] ?? '').toLowerCase() === 'desc' });
    }
    const val = (r: Row, f: string): unknown => {
      const v = this.get(model, r, f);
      const def = this.field(model, f)!;
      if (def.type === 'many2one' && typeof v === 'number') return this.displayName(def.relation!, v);
      return v;
    };
    return [...rows].sort((a, b) => {
      for (const k of keys) {
        const c = compareValues(val(a, k.field), val(b, k.field));
        if (c !== 0) return k.desc ? -c : c;
      }
      return a.id - b.id;
    });
  }

  compileDomain(model: string, domain: unknown): (row: Row) => boolean {
    if (domain === undefined || domain === null || domain === false) return () => true;
    if (!Array.isArray(domain)) throw valueError(`Invalid domain ${pyRepr(domain)}`);
    let pos = 0;
    const items = domain as unknown[];
    const parseOne = (): ((row: Row) => boolean) => {
      if (pos >= items.length) throw valueError(`Invalid domain ${pyRepr(domain)}`);
      const item = items[pos++];
      if (item === '&' || item === '|') {
        const a = parseOne();
        const b = parseOne();
        return item === '&' ? (r) => a(r) && b(r) : (r) => a(r) || b(r);
      }
      if (item === '!') {
        const a = parseOne();
        return (r) => !a(r);
      }
      if (!Array.isArray(item) || item.length !== 3) throw valueError(`Invalid leaf ${pyRepr(item)}`);
      return this.compileLeaf(model, item as [unknown, unknown, unknown]);
    };
    const terms: Array<(row: Row) => boolean> = [];
    while (pos < items.length) terms.push(parseOne());
    return (r) => terms.every((t) => t(r));
  }

  private compileLeaf(model: string, leaf: [unknown, unknown, unknown]): (row: Row) => boolean {
    const [path, rawOp, value] = leaf;
    // only an error shows the leaf: a search of 16 references would otherwise print them for nothing
    const leafRepr = (): string => `(${leaf.map(pyRepr).join(', ')})`;
    if ((path === 1 || path === 0) && rawOp === '=' && value === 1) return () => path === 1;
    if (typeof path !== 'string' || typeof rawOp !== 'string') throw valueError(`Invalid leaf ${leafRepr()}`);
    const op = rawOp.toLowerCase();
    const ops = ['=', '!=', '<>', 'in', 'not in', 'like', 'ilike', 'not like', 'not ilike', '=like', '=ilike', '<', '>', '<=', '>=', 'child_of', 'parent_of', '=?'];
    if (!ops.includes(op)) throw valueError(`Invalid leaf ${leafRepr()}`);
    // resolve the path
    const parts = path.split('.');
    let cur = model;
    const chain: Array<{ model: string; field: string; def: FieldDef }> = [];
    for (const p of parts) {
      const def = this.field(cur, p);
      if (!def) throw valueError(`Invalid field ${cur}.${p} in leaf ${leafRepr()}`);
      chain.push({ model: cur, field: p, def });
      if (def.relation) cur = def.relation;
    }
    const last = chain[chain.length - 1]!;
    if (op === '=?' && (value === false || value === null)) return () => true;
    const effOp = op === '=?' ? '=' : op === '<>' ? '!=' : op;

    const valuesOf = (row: Row): unknown[] => {
      let rows: Array<{ model: string; row: Row }> = [{ model, row }];
      for (let i = 0; i < chain.length - 1; i++) {
        const step = chain[i]!;
        const next: Array<{ model: string; row: Row }> = [];
        for (const { model: m, row: r } of rows) {
          const v = this.get(m, r, step.field);
          const ids = Array.isArray(v) ? (v as number[]) : typeof v === 'number' ? [v] : [];
          for (const id of ids) {
            const rr = this.row(step.def.relation!, id);
            if (rr) next.push({ model: step.def.relation!, row: rr });
          }
        }
        rows = next;
      }
      return rows.map(({ model: m, row: r }) => this.get(m, r, last.field));
    };

    const isRel = last.def.type === 'many2one' || last.def.type === 'one2many' || last.def.type === 'many2many';
    const test = (v: unknown): boolean => {
      // v: the raw stored value (m2o id|false, x2many ids, scalar)
      const idsOf = (x: unknown): number[] => (Array.isArray(x) ? (x as number[]) : typeof x === 'number' ? [x] : []);
      const empty = v === false || v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);
      switch (effOp) {
        case '=':
        case '!=': {
          let res: boolean;
          if (value === false || value === null) res = empty;
          else if (isRel && typeof value === 'string') res = idsOf(v).some((id) => this.displayName(last.def.relation!, id) === value);
          else if (isRel) res = idsOf(v).includes(value as number);
          else res = v === value || (typeof v === 'number' && typeof value === 'number' && Math.abs(v - value) < 1e-9);
          return effOp === '=' ? res : !res;
        }
        case 'in':
        case 'not in': {
          const list = Array.isArray(value) ? value : [value];
          let res: boolean;
          if (isRel) res = idsOf(v).some((id) => list.includes(id)) || (empty && list.includes(false));
          else res = list.some((x) => x === v || ((x === false || x === null) && empty));
          return effOp === 'in' ? res : !res;
        }
        case 'like':
        case 'ilike':
        case 'not like':
        case 'not ilike':
        case '=like':
        case '=ilike': {
          const neg = effOp.startsWith('not');
          const ci = effOp.includes('ilike');
          const wrap = !effOp.startsWith('=');
          const pattern = String(value ?? '');
          const re = likeRegex(pattern, ci, wrap);
          const texts = isRel ? idsOf(v).map((id) => this.displayName(last.def.relation!, id)) : empty ? [] : [String(v)];
          const res = pattern === '' && wrap ? true : texts.some((t) => re.test(t));
          return neg ? !res : res;
        }
        case '<':
        case '>':
        case '<=':
        case '>=': {
          if (empty && typeof v !== 'number') return false;
          const c = compareValues(v, value);
          return effOp === '<' ? c < 0 : effOp === '>' ? c > 0 : effOp === '<=' ? c <= 0 : c >= 0;
        }
        case 'child_of':
        case 'parent_of': {
          const roots = Array.isArray(value) ? (value as number[]) : [value as number];
          const rel = isRel ? last.def.relation! : model;
          const ids = isRel ? idsOf(v) : typeof v === 'number' ? [v] : [];
          return ids.some((id) => (effOp === 'child_of' ? this.isDescendant(rel, id, roots) : roots.some((r) => this.isDescendant(rel, r, [id]))));
        }
        default:
          return false;
      }
    };
    const negative = effOp === '!=' || effOp === 'not in' || effOp === 'not like' || effOp === 'not ilike';
    if (chain.length === 1 && last.field === 'id') {
      return (row) => test(row.id);
    }
    return (row) => {
      const vals = valuesOf(row);
      if (vals.length === 0) return negative || test(false);
      return negative ? vals.every(test) : vals.some(test);
    };
  }

  private isDescendant(model: string, id: number, roots: number[]): boolean {
    const seen = new Set<number>();
    let cur: number | false = id;
    while (typeof cur === 'number' && !seen.has(cur)) {
      if (roots.includes(cur)) return true;
      seen.add(cur);
      const row = this.row(model, cur);
      cur = row && typeof row.parent_id === 'number' ? row.parent_id : false;
    }
    return false;
  }
}

function likeRegex(pattern: string, ci: boolean, wrap: boolean): RegExp {
  let src = '';
  for (const ch of pattern) {
    if (ch === '%') src += '.*';
    else if (ch === '_') src += '.';
    else src += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(wrap ? src : `^${src}$`, ci ? 'is' : 's');
}

function domainMentions(domain: unknown, field: string): boolean {
  return Array.isArray(domain) && domain.some((item) => Array.isArray(item) && (item[0] === field || (typeof item[0] === 'string' && item[0].startsWith(`${field}.`))));
}

export function compareValues(a: unknown, b: unknown): number {
  const norm = (x: unknown): unknown => (x === false || x === undefined || x === null ? null : x);
  const x = norm(a);
  const y = norm(b);
  if (x === y) return 0;
  if (x === null) return -1;
  if (y === null) return 1;
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  if (typeof x === 'boolean' && typeof y === 'boolean') return x ? 1 : -1;
  const sx = String(x);
  const sy = String(y);
  return sx < sy ? -1 : sx > sy ? 1 : 0;
}

export function emptyValue(f: FieldDef): unknown {
  switch (f.type) {
    case 'integer':
    case 'float':
    case 'monetary':
      return 0;
    case 'one2many':
    case 'many2many':
      return [];
    default:
      return false;
  }
}

let lastSecond = NaN;
let lastFormatted = '';

export function formatDatetime(d: Date): string {
  // every created row asks for "now": format each second once
  const second = Math.floor(d.getTime() / 1000);
  if (second === lastSecond) return lastFormatted;
  const out = d.toISOString().slice(0, 19).replace('T', ' ');
  lastSecond = second;
  lastFormatted = out;
  return out;
}

/** Whether `v` is the time last formatted (a stored datetime as it is). */
function isNow(v: unknown): boolean {
  return v === lastFormatted && v !== '';
}

/** formatDatetime(new Date()) without a Date per call while the second is the one last formatted. */
function formatNow(): string {
  const ms = Date.now();
  return Math.floor(ms / 1000) === lastSecond ? lastFormatted : formatDatetime(new Date(ms));
}

/**
 * The values of a line created by a one2many command, with the inverse set: the command's own object
 * when it belongs to the call, else a copy (see copyValues) that create may extend with its defaults.
 */
function lineValues(arg: unknown, inverse: string, parentId: number, owned: boolean): Record<string, unknown> {
  const vals = owned && arg !== null && typeof arg === 'object' && !Array.isArray(arg) ? (arg as Record<string, unknown>) : copyValues(arg);
  vals[inverse] = parentId;
  return vals;
}

/**
 * `{ ...v }` as a plain object built key by key. A spread's copy is slow to grow: adding keys to it
 * (the inverse, then create's defaults) cost several times what it costs on an object built from `{}`,
 * whose shapes V8 shares between the thousands of lines created alike. A `__proto__` key, which an
 * assignment would not copy as a key, keeps the spread.
 */
function copyValues(v: unknown): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return { ...(v as Record<string, unknown>) };
  const src = v as Record<string, unknown>;
  const keys = Object.keys(src);
  if (keys.includes('__proto__')) return { ...src };
  const out: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) out[keys[i]!] = src[keys[i]!];
  return out;
}

function addTo(index: Map<unknown, Set<number>>, value: unknown, id: number): void {
  let bucket = index.get(value);
  if (!bucket) index.set(value, (bucket = new Set()));
  bucket.add(id);
}

function removeFrom(index: Map<unknown, Set<number>>, value: unknown, id: number): void {
  const bucket = index.get(value);
  if (!bucket) return;
  bucket.delete(id);
  if (bucket.size === 0) index.delete(value);
}
