/**
 * Untrusted text (anything the API sent) must reach Terraform as a literal. Two things stand in
 * the way, and CDKTF handles neither for plain strings:
 * - Terraform reads every string in `cdk.tf.json` as a template: `${...}` and `%{...}` would be
 *   evaluated. Escaping (`$${`, `%%{`) makes them literal again.
 * - CDKTF replaces text shaped like its own token markers (`${TfToken[TOKEN.1]}`) with the
 *   token's value, whatever escaping surrounds it, so such text could stand for any value of the
 *   user's stack (a sensitive variable, say). It cannot be made literal; it is refused.
 */
import { formatPath } from "../api/text";
import { anyCdk } from "./cdk-library";

/** The start of CDKTF's string, list and map token markers. */
const TOKEN_MARKER = /[$#&]\{TfToken\[/;
/** Text CDKTF reads as an encoded number token when it sits inside a string. */
const NUMBER_LIKE = /[-|\d.+]+(e[-|\d.eE+]+)/g;
/** A quick test for the core of NUMBER_LIKE, so that most text skips the scan. */
const MAY_HOLD_NUMBER = /[-|\d.+]e[-|\d.eE+]/;

/** Whether CDKTF would read part of this text as one of its tokens. */
export function isTokenShaped(text: string): boolean {
  if (TOKEN_MARKER.test(text)) return true;
  if (!MAY_HOLD_NUMBER.test(text)) return false;
  for (const match of text.matchAll(NUMBER_LIKE)) {
    if (anyCdk().Token.isUnresolved(Number.parseFloat(match[0]))) return true;
  }
  return false;
}

/**
 * The path (e.g. `spec.runtime.engineConfig["x"]`) of the first string or key in plain JSON
 * data that is shaped like a CDKTF token, or `undefined` when there is none.
 */
export function findTokenShapedText(value: unknown): string | undefined {
  const path = findTokenShapedPath(value);
  return path && (formatPath(path) || "(value)");
}

/** The path below `value` to the first token-shaped text, built only when there is one. */
function findTokenShapedPath(value: unknown): PropertyKey[] | undefined {
  if (typeof value === "string") return isTokenShaped(value) ? [] : undefined;
  if (typeof value !== "object" || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const step = Array.isArray(value) ? Number(key) : key;
    if (!Array.isArray(value) && isTokenShaped(key)) return [step];
    const rest = findTokenShapedPath(item);
    if (rest) return [step, ...rest];
  }
  return undefined;
}

/** Escapes one string so Terraform reads it literally. Not enough for token-shaped text. */
export function escapeTemplate(text: string): string {
  if (!text.includes("{")) return text;
  // Replacement functions, because "$$" in a replacement string means a single "$".
  return text.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{");
}

/** Escapes every string (keys included) inside plain JSON data. */
export function escapeTemplatesDeep<T>(value: T): T {
  if (typeof value === "string") return escapeTemplate(value) as T;
  if (Array.isArray(value)) return value.map((item) => escapeTemplatesDeep(item)) as T;
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [escapeTemplate(key), escapeTemplatesDeep(item)]),
    ) as T;
  }
  return value;
}

/**
 * Makes untrusted text safe to hand to any construct: Terraform will see exactly `text`.
 * Throws when the text is shaped like a CDKTF token, which no escaping can neutralise.
 *
 * @example new TerraformOutput(stack, "note", { value: toTerraformLiteral(textFromSomewhere) })
 */
export function toTerraformLiteral(text: string): string {
  if (typeof text !== "string") {
    throw new TypeError(`toTerraformLiteral takes a string, got ${typeof text}.`);
  }
  if (isTokenShaped(text)) {
    throw new TypeError(
      "toTerraformLiteral: the text is shaped like a CDKTF token (e.g. ${TfToken[TOKEN.1]}); " +
        "CDKTF would replace it with a value from your stack. Refuse text like this at its source.",
    );
  }
  return escapeTemplate(text);
}

/** An HCL list literal of strings, e.g. `["STATUS_READY"]`, safe inside `${...}`. */
export function hclStringList(values: readonly string[]): string {
  return `[${values.map((value) => escapeTemplate(JSON.stringify(value))).join(", ")}]`;
}
