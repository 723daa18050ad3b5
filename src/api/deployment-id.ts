import { InvalidDeploymentIdError } from "./errors";

/** Longer than any real deployment ID; bounds the URL and every message that names the ID. */
export const MAX_DEPLOYMENT_ID_LENGTH = 256;

/**
 * Checks a deployment ID and returns it path-encoded for the URL.
 *
 * CoreWeave does not publish an ID grammar, so we reject only what cannot be a single, safe path
 * segment (empty, `/`, `\`, `.`, `..`, control characters, surrounding whitespace, over-long)
 * and percent-encode the rest.
 */
export function encodeDeploymentId(id: unknown): string {
  const fail = (why: string): never => {
    throw new InvalidDeploymentIdError(
      `Invalid CoreWeave deployment ID ${describe(id)}: ${why}. ` +
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
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(id)) return fail("it contains control characters");
  if (id.trim() !== id) return fail("it has leading or trailing whitespace");
  if (id === "." || id === "..") return fail("it is a relative path segment");
  if (/[/\\]/.test(id)) return fail("it contains a path separator ('/' or '\\')");
  return encodeURIComponent(id);
}

// IDs appear in messages: keep them one bounded, printable line.
function printable(id: string): string {
  // eslint-disable-next-line no-control-regex
  const visible = id.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");
  return visible.length > 80 ? `${visible.slice(0, 80)}…` : visible;
}

function describe(id: unknown): string {
  return typeof id === "string" ? JSON.stringify(printable(id)) : String(typeof id);
}
