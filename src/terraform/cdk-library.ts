/**
 * The one module that loads the CDK library: CDK for Terraform (`cdktf` 0.21, archived) or its
 * continuation CDK Terrain (`cdktn` 0.24), whichever the app installed. Both keep the same classes
 * and names, so the constructs use one API; but a stack only accepts Terraform elements of its
 * own library (cdktn calls methods cdktf's elements lack), so each element is built with the
 * library of the stack it goes into. When both are installed (mid-migration), the stack decides.
 *
 * Public declarations never name either library's types (see `terraform/element-types.ts`):
 * an app that has only one of them type-checks without `skipLibCheck`.
 */
import type * as Cdktf from "cdktf";
import type { IConstruct } from "constructs";
import { ConfigurationError } from "../api/errors";

/** The API this package uses, as typed by cdktf; cdktn has the same. */
export type CdkLibrary = typeof Cdktf;

export const SUPPORTED_LIBRARIES = ["cdktf", "cdktn"] as const;
export type CdkLibraryName = (typeof SUPPORTED_LIBRARIES)[number];

const STACK_MARKER = Symbol.for("cdktf/TerraformStack");

/** The libraries the app can load, found without loading them (a resolve is cheap, a load not). */
const installed: readonly { readonly name: CdkLibraryName; readonly path: string }[] =
  SUPPORTED_LIBRARIES.flatMap((name) => {
    try {
      return [{ name, path: require.resolve(name) }];
    } catch (error) {
      if (isModuleNotFound(error, name)) return [];
      throw error;
    }
  });

if (installed.length === 0) {
  const error = new Error(
    "cdktf-coreweave-inference needs a CDK library in your app: install cdktn@0.24.0 " +
      "(CDK Terrain) or cdktf@0.21.0 (CDK for Terraform).",
  );
  error.stack = error.message;
  throw error;
}

/** The libraries this module has loaded: every element of every lookup asks for one. */
const required = new Map<string, CdkLibrary>();

/**
 * The installed libraries, the ones the app has loaded already first. Each is loaded on first
 * need only: an app has its own library loaded before it builds a stack, and loading the other one
 * as well (where both are installed, mid-migration) would cost about 70 ms for nothing.
 */
function* libraries(): Generator<CdkLibrary> {
  const loadedFirst = [...installed].sort(
    (a, b) =>
      Number(require.cache[b.path] !== undefined) - Number(require.cache[a.path] !== undefined),
  );
  for (const { path } of loadedFirst) {
    let lib = required.get(path);
    if (!lib) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      lib = require(path) as CdkLibrary;
      required.set(path, lib);
    }
    yield lib;
  }
}

/** The library of the stack that holds `scope`: the one whose elements that stack accepts. */
export function cdkFor(scope: IConstruct): CdkLibrary {
  const stack = [...scope.node.scopes].reverse().find((node) => STACK_MARKER in node);
  if (stack === undefined) {
    throw new ConfigurationError(
      `${scope.node.path || "(root)"}: CoreWeave constructs must be created inside a ` +
        "TerraformStack (from cdktf or cdktn).",
    );
  }
  for (const lib of libraries()) {
    if (stack instanceof lib.TerraformStack) return lib;
  }
  throw new ConfigurationError(
    `${scope.node.path}: the stack is not a TerraformStack of the ${installedLibraries().join(" or ")} ` +
      "that cdktf-coreweave-inference loaded. Your app probably has two copies of the CDK " +
      "library; `npm ls cdktf cdktn` shows them. Keep one.",
  );
}

/** One library, for what does not depend on a stack (token markers are the same in both). */
export function anyCdk(): CdkLibrary {
  return libraries().next().value as CdkLibrary;
}

/** The names of the libraries installed, e.g. `["cdktn"]`. */
export function installedLibraries(): CdkLibraryName[] {
  return installed.map(({ name }) => name);
}

function isModuleNotFound(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    code === "MODULE_NOT_FOUND" && typeof message === "string" && message.includes(`'${name}'`)
  );
}
