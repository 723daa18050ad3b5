/**
 * Terraform reads every string in `cdk.tf.json` as a template: `${...}` and `%{...}` in API data
 * (a condition message, an engine config value) would be evaluated. These helpers make such data
 * literal again. CDKTF does not do this for plain strings.
 */

/** Escapes one string so Terraform reads it literally. */
export function escapeTemplate(text: string): string {
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

/** An HCL list literal of strings, e.g. `["STATUS_READY"]`, safe inside `${...}`. */
export function hclStringList(values: readonly string[]): string {
  return `[${values.map((value) => escapeTemplate(JSON.stringify(value))).join(", ")}]`;
}
