/**
 * Durations in partner files are written the way people say them: "30s", "15m", "24h", "7d", or a
 * sum such as "1h30m". They are parsed to milliseconds once, at load, so nothing downstream sees text.
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** One or more `<digits><unit>` parts, largest unit first by convention (not enforced). */
export const DURATION_PATTERN = /^(?:\d+(?:ms|s|m|h|d|w))+$/;

/** Milliseconds for a duration such as "24h" or "1h30m"; undefined when the text is not one. */
export function parseDuration(text: string): number | undefined {
  if (!DURATION_PATTERN.test(text)) return undefined;
  let total = 0;
  for (const part of text.matchAll(/(\d+)(ms|s|m|h|d|w)/g)) total += Number(part[1]) * UNIT_MS[part[2]];
  return Number.isSafeInteger(total) ? total : undefined;
}

/** The shortest text that parses back to `ms` (used in messages and when writing config back). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const unit of ['w', 'd', 'h', 'm', 's', 'ms']) {
    const size = UNIT_MS[unit];
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}
