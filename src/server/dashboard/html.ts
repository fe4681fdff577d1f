/**
 * HTML that is safe by construction: every value put into the `html` template is escaped unless it is
 * itself `Html` made by this template. Partner data (order numbers, names, reasons quoting segments)
 * reaches the dashboard verbatim, so no page may build markup any other way.
 */

/** Markup made by `html` (or `raw` for the few constants that are markup). */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text as HTML text or attribute value (quotes escaped too, so it is safe inside either quote). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** What a template value may be: markup, text, a number, nothing, or a list of those. */
export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join('');
  return escapeHtml(String(value));
}

/** The template tag: literal parts are markup, interpolated values are escaped (lists are joined). */
export function html(parts: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = parts[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (parts[i + 1] ?? '');
  return new Html(out);
}

/** A query string from parameters, leaving out empty ones ("" when none are left). */
export function queryString(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** An epoch-ms time as UTC `YYYY-MM-DD HH:MM:SS`, '—' for none. */
export function formatTime(at: number | null | undefined): string {
  if (at === null || at === undefined || !Number.isFinite(at)) return '—';
  return new Date(at).toISOString().replace('T', ' ').slice(0, 19);
}
