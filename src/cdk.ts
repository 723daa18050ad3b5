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
import { ConfigurationError } from "./api/errors";

/** The API this package uses, as typed by cdktf; cdktn has the same. */
export type CdkLibrary = typeof Cdktf;

export const SUPPORTED_LIBRARIES = ["cdktf", "cdktn"] as const;
export type CdkLibraryName = (typeof SUPPORTED_LIBRARIES)[number];

interface LoadedLibrary {
  readonly name: CdkLibraryName;
  readonly lib: CdkLibrary;
}

const STACK_MARKER = Symbol.for("cdktf/TerraformStack");

const loaded: readonly LoadedLibrary[] = SUPPORTED_LIBRARIES.flatMap((name) => {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return [{ name, lib: require(name) as CdkLibrary }];
  } catch (error) {
    if (isModuleNotFound(error, name)) return [];
    throw error;
  }
});

if (loaded.length === 0) {
  const error = new Error(
    "cdktf-coreweave-inference needs a CDK library in your app: install cdktn@0.24.0 " +
      "(CDK Terrain) or cdktf@0.21.0 (CDK for Terraform).",
  );
  error.stack = error.message;
  throw error;
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
  const match = loaded.find(({ lib }) => stack instanceof lib.TerraformStack);
  if (match === undefined) {
    throw new ConfigurationError(
      `${scope.node.path}: the stack is not a TerraformStack of the ${loaded
        .map(({ name }) => name)
        .join(" or ")} that cdktf-coreweave-inference loaded. Your app probably has two copies ` +
        "of the CDK library; `npm ls cdktf cdktn` shows them. Keep one.",
    );
  }
  return match.lib;
}

/** Any loaded library, for what does not depend on a stack (token markers are the same). */
export function anyCdk(): CdkLibrary {
  return loaded[0].lib;
}

/** The names of the libraries found, e.g. `["cdktn"]`. */
export function loadedLibraries(): CdkLibraryName[] {
  return loaded.map(({ name }) => name);
}

function isModuleNotFound(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    code === "MODULE_NOT_FOUND" && typeof message === "string" && message.includes(`'${name}'`)
  );
}
