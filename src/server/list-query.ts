/**
 * The query of a list, the API's and the dashboard's alike: states, partner and a page. Lists are newest
 * first and paged by id: `before` is the lowest id of the page already seen, so every page is an index
 * seek however deep it lies (an offset would read every row it skips, and rows arriving meanwhile would
 * shift it).
 */
import { z } from 'zod';

/** Rows on a page of the dashboard. */
export const PAGE_SIZE = 200;

/** A list's filters and page, checked. */
export interface ListQuery<S extends string> {
  states: S[];
  partner?: string;
  /** Only rows with a lower id (the page after the one that ended with this id). */
  before?: number;
  limit: number;
}

/** The checked query, or the parameter that is wrong and why. */
export type ListQueryResult<S extends string> = { ok: true; query: ListQuery<S> } | { ok: false; param: string; message: string };

/** What a list accepts: its states (and which when none are named), and its page sizes. */
export interface ListQueryOptions<S extends string> {
  known: readonly S[];
  fallback: readonly S[];
  /** Page size when `limit` is not given, and its bound; without it the list ignores `limit` and shows {@link PAGE_SIZE}. */
  limit?: { default: number; max: number };
}

/** A decimal id as people and links write it: no sign, no exponent, no leading zero, within a safe integer. */
const wholeNumber = (name: string) =>
  z
    .string()
    .regex(/^[1-9]\d{0,15}$/, `${name} is a whole number from 1`)
    .transform(Number)
    .refine(Number.isSafeInteger, `${name} is at most ${Number.MAX_SAFE_INTEGER}`);

/** Check a list's query parameters; an empty parameter counts as absent (a form's "any" and "all"). */
export function parseListQuery<S extends string>(params: URLSearchParams, o: ListQueryOptions<S>): ListQueryResult<S> {
  const schema = z.object({
    state: z
      .string()
      .max(500, 'state is at most 500 characters')
      .transform((raw) => raw.split(',').filter(Boolean))
      .superRefine((states, ctx) => {
        const bad = states.find((s) => !(o.known as readonly string[]).includes(s));
        if (bad !== undefined) ctx.addIssue({ code: 'custom', message: `unknown state "${bad}": use ${o.known.join(', ')}` });
      })
      .optional(),
    partner: z.string().max(100, 'partner is at most 100 characters').optional(),
    before: wholeNumber('before').optional(),
    limit: wholeNumber('limit')
      .refine((n) => n <= (o.limit?.max ?? PAGE_SIZE), `limit is at most ${o.limit?.max ?? PAGE_SIZE}`)
      .optional(),
  });
  const given = Object.fromEntries([...params].filter(([name, value]) => value !== '' && (name !== 'limit' || o.limit)));
  const parsed = schema.safeParse(given);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, param: String(issue.path[0]), message: issue.message };
  }
  const { state, partner, before, limit } = parsed.data;
  const states = (state && state.length > 0 ? state : [...o.fallback]) as S[];
  return { ok: true, query: { states, ...(partner !== undefined ? { partner } : {}), ...(before !== undefined ? { before } : {}), limit: limit ?? o.limit?.default ?? PAGE_SIZE } };
}

/** One page of a list: `read` is asked for a row more than the page shows, which tells whether an older page exists; `next` is its `before`, null on the last. */
export function readPage<T extends { id: number }>(limit: number, read: (rows: number) => readonly T[]): { rows: T[]; next: number | null } {
  const got = read(limit + 1);
  const rows = got.slice(0, limit);
  return { rows, next: got.length > limit && rows.length > 0 ? rows[rows.length - 1].id : null };
}
