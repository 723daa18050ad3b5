/**
 * Durations as pipelines write them: `500ms`, `10s`, `20m`, `2h`, `7d`, or combined (`1h30m`).
 * Shared by the CLI flags and the environment variables that take a duration.
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const DURATION = /^(?:\d+(?:ms|s|m|h|d))+$/;
const PART = /(\d+)(ms|s|m|h|d)/g;

/**
 * Parses a duration into milliseconds; `undefined` when the text is not one. A bare number is
 * refused: `10` could mean seconds or milliseconds, and a wrong guess is a silent 1000x error.
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!DURATION.test(trimmed)) return undefined;
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(PART)) total += Number(amount) * UNIT_MS[unit];
  return Number.isSafeInteger(total) ? total : undefined;
}

/** Formats milliseconds the way `parseDuration` reads them, largest units first: `1h30m`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  let rest = Math.round(ms);
  let out = "";
  for (const unit of ["d", "h", "m", "s", "ms"]) {
    const amount = Math.floor(rest / UNIT_MS[unit]);
    if (amount > 0) out += `${amount}${unit}`;
    rest -= amount * UNIT_MS[unit];
  }
  return out;
}

/** A duration for people: milliseconds under a second, else whole seconds and up (`2m5s`). */
export function formatElapsed(ms: number): string {
  return ms < 1000
    ? `${Math.max(0, Math.round(ms))}ms`
    : formatDuration(Math.round(ms / 1000) * 1000);
}
