/** What a deployment ID may be: the one rule, for the URL, the lookups and every message. */
import { InvalidDeploymentIdError } from "./errors";
import { findCharacter, hasUnsafeCharacter, isWellFormed, printable } from "./text";

/** Longer than any real deployment ID; bounds the URL and every message that names the ID. */
export const MAX_DEPLOYMENT_ID_LENGTH = 256;

/**
 * Checks a deployment ID and returns it path-encoded for the URL. CoreWeave does not publish an ID
 * grammar, so we reject only what cannot be a single, safe path segment (empty, `/`, `\`, `.`,
 * `..`, control or invisible characters, text that is not well-formed Unicode, surrounding
 * whitespace, over-long) and percent-encode the rest.
 */
export function encodeDeploymentId(id: unknown): string {
  const fail = (why: string, bad?: ReturnType<typeof findCharacter>): never => {
    // IDs appear in messages: keep them one bounded, printable line.
    const shown = typeof id === "string" ? JSON.stringify(printable(id)) : typeof id;
    const at = bad ? ` (character ${bad.position} is ${bad.description})` : "";
    throw new InvalidDeploymentIdError(
      `Invalid CoreWeave deployment ID ${shown}: ${why}${at}. ` +
        "Pass the ID exactly as returned by CoreWeave's List or Create deployment API.",
      typeof id === "string" ? { deploymentId: printable(id) } : {},
    );
  };
  if (typeof id !== "string")
    return fail(`expected a string, got ${id === null ? "null" : typeof id}`);
  if (id.length === 0) return fail("it is empty");
  if (id.length > MAX_DEPLOYMENT_ID_LENGTH) {
    return fail(`it is ${id.length} characters long; the limit is ${MAX_DEPLOYMENT_ID_LENGTH}`);
  }
  // A lone surrogate cannot be UTF-8 encoded: encodeURIComponent would throw a raw URIError.
  const illFormed = findCharacter(id, (char) => !isWellFormed(char));
  if (illFormed) return fail("it is not well-formed Unicode", illFormed);
  const unsafe = findCharacter(id, hasUnsafeCharacter);
  if (unsafe) return fail("it contains control or invisible characters", unsafe);
  if (id.trim() !== id) return fail("it has leading or trailing whitespace");
  if (id === "." || id === "..") return fail("it is a relative path segment");
  if (/[/\\]/.test(id)) return fail("it contains a path separator ('/' or '\\')");
  return encodeURIComponent(id);
}
