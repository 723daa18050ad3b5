/**
 * Cleaning of text that crosses a trust boundary: API text shown in messages and logs, and user
 * input that ends up in a URL or a header. One pattern of unwanted characters, used everywhere.
 * Also the two checks of plain JSON-like data (decoded bodies, files, options) that every layer
 * shares. Imports nothing, so any module can use it.
 */

/**
 * Characters never shown as they are and never accepted in an ID:
 * - C0 and C1 controls (ANSI escapes, newlines, NUL);
 * - bidirectional controls (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069), which can make
 *   a log line read differently from what it holds ("Trojan Source");
 * - line and paragraph separators (U+2028, U+2029), which split log lines like a newline;
 * - zero-width and invisible characters (U+200B-U+200D, U+2060, U+FEFF), typical of copy-paste.
 */
const UNSAFE_CHARACTER_CLASS =
  "[\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200b-\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060\\u2066-\\u2069\\ufeff]";
const UNSAFE_CHARACTER = new RegExp(UNSAFE_CHARACTER_CLASS);
const UNSAFE_CHARACTERS = new RegExp(UNSAFE_CHARACTER_CLASS, "g");
const UNSAFE_RUNS = new RegExp(`${UNSAFE_CHARACTER_CLASS}+`, "g");
/** A UTF-16 surrogate without its partner: not well-formed Unicode. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, "g");

/** Replaces the whole of every secret occurrence. */
export const REDACTED = "[REDACTED]";

/** Whether `text` holds a control, bidi, line-separator or zero-width character. */
export function hasUnsafeCharacter(text: string): boolean {
  return UNSAFE_CHARACTER.test(text);
}

/** Whether `text` is well-formed UTF-16 (no lone surrogate), so it can be UTF-8 encoded. */
export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/** Replaces every occurrence of a secret. Apply before any truncation, so no part survives. */
export function redactSecret(text: string, secret: string): string {
  return secret === "" ? text : text.split(secret).join(REDACTED);
}

/** Cuts `text` to `max` characters, marking the cut, without splitting a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\ud800-\udbff]/.test(text.charAt(max - 1)) ? max - 1 : max;
  return `${text.slice(0, end)}…`;
}

/**
 * Makes untrusted text one bounded, printable line: each run of unsafe characters becomes one
 * space, the ends are trimmed, the result is cut at `max`. Redact first ({@link redactSecret}).
 * `##[` gets a space (`## [`): GitHub's runner reads a legacy `##[command]` anywhere in a log
 * line, so API text printed in a CI log could otherwise raise an annotation or add a path.
 */
export function sanitizeText(text: string, max = 300): string {
  const clean = text.replace(UNSAFE_RUNS, " ").replace(LONE_SURROGATES, " ");
  return truncate(clean.trim().replace(/##\[/g, "## ["), max);
}

/**
 * Like {@link sanitizeText}, but keeps the text's shape: each unsafe character becomes `?`
 * instead of a space and nothing is trimmed. For identifiers and keys, shown quoted.
 */
export function printable(text: string, max = 80): string {
  return truncate(text.replace(UNSAFE_CHARACTERS, "?").replace(LONE_SURROGATES, "?"), max);
}

/** Where an unwanted character is: a 1-based position in code points, and what it is. */
export interface CharacterProblem {
  readonly position: number;
  /** `U+200B`, then what kind of character it is. Never the character itself. */
  readonly description: string;
}

/** Finds the first character for which `refuse` is true; undefined when there is none. */
export function findCharacter(
  text: string,
  refuse: (char: string) => boolean,
): CharacterProblem | undefined {
  let position = 0;
  for (const char of text) {
    position += 1;
    if (refuse(char)) return { position, description: describeCharacter(char) };
  }
  return undefined;
}

/** `U+200B (an invisible or control character)`: the code point and its kind, not the character. */
export function describeCharacter(char: string): string {
  const codePoint = char.codePointAt(0) ?? 0;
  const hex = codePoint.toString(16).toUpperCase().padStart(4, "0");
  return `U+${hex} (${characterKind(char)})`;
}

function characterKind(char: string): string {
  if (!isWellFormed(char)) return "a lone UTF-16 surrogate, not a character";
  if (hasUnsafeCharacter(char)) return "an invisible or control character";
  if (/^\s$/.test(char)) return "whitespace";
  if (char.charCodeAt(0) > 0x7e) return "a non-ASCII character";
  return "a visible ASCII character";
}

/** Whether `value` is a plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A copy without the `undefined` values, so spreading it over defaults keeps the defaults. */
export function withoutUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}

/**
 * Renders a path into a JSON value the way users write it: `deployment.spec.gatewayIds[0]`. Keys of free-form
 * maps come from the body, so any key that is not a plain identifier is shown quoted, cleaned of
 * control, bidi and invisible characters and cut to 40 characters.
 */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === "number") return `${out}[${key}]`;
    const name = String(key);
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,39}$/.test(name)) {
      return `${out}[${JSON.stringify(printable(name, 40))}]`;
    }
    return out === "" ? name : `${out}.${name}`;
  }, "");
}

/**
 * `text` as one word of a POSIX shell command line that a message suggests running: as it is
 * when it holds only characters no shell reads specially, else single-quoted.
 */
export function shellWord(text: string): string {
  return /^[A-Za-z0-9._:@%+=,/-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}
