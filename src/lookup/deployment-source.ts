/**
 * The `DeploymentSource` interface, and the names of the settings that choose one for a whole app
 * (chosen in `source-selection.ts`). Loads nothing at run time (its imports are types), so the
 * lookup thread's early start reads the mode before the package loads (`lookup-thread.ts`).
 */
import type { ConnectionOptions } from "../api/connection";
import type { CoreweaveError } from "../api/errors";
import type { Deployment } from "../api/deployment";
import type { ResolvedWaitOptions } from "../api/wait";

export const LOOKUP_FILE_NAME = "coreweave-lookups.json";
/**
 * How far a lookup time may lie ahead of the clock that judges it: clocks of different machines
 * disagree a little. A time further ahead is refused, at replay, by `lookups show` and by the
 * gate at plan, because its age is negative and would pass every `maxAgeMs` forever.
 */
export const LOOKUP_CLOCK_SKEW_MS = 5 * 60_000;
/** Where the lookup file is, when not `./coreweave-lookups.json`. */
export const LOOKUP_FILE_ENV = "COREWEAVE_LOOKUP_FILE";
/** `live` (default), `record` or `replay`, for the whole app. */
export const LOOKUP_MODE_ENV = "COREWEAVE_LOOKUP_MODE";
export const LOOKUP_MODES = ["live", "record", "replay"] as const;
export type LookupMode = (typeof LOOKUP_MODES)[number];
/** The cdktf context key that may set the lookup mode (the environment variable wins). */
export const LOOKUP_MODE_CONTEXT = "coreweaveLookupMode";
/**
 * Where a synthesized stack lists the deployment IDs its lookups read: a key of the stack's `//`
 * comment object in `cdk.tf.json` (Terraform ignores it), which `coreweave-inference wait --stack`
 * reads, so a pipeline waits for exactly what the plan gates.
 */
export const DEPLOYMENT_IDS_KEY = "coreweave_deployment_ids";

export interface DeploymentLookupRequest {
  readonly deploymentId: string;
  /** How to reach the API; sources that do not use the network ignore it. */
  readonly connection: ConnectionOptions;
  /**
   * Answer only once the deployment is ready under this policy, polling until `timeoutMs`.
   * Sources whose facts cannot change (in memory, replay) judge the one answer they have.
   * Resolved once by the construct (`resolveWaitOptions`); sources use it as given.
   * @default answer with the deployment as it is
   */
  readonly wait?: ResolvedWaitOptions;
}

export type DeploymentLookupResult =
  | {
      readonly ok: true;
      readonly deployment: Deployment;
      /**
       * When these facts were read from the API (RFC 3339). The gate's `maxAgeMs` counts from it.
       * @default the time of the lookup
       */
      readonly observedAt?: string;
    }
  | { readonly ok: false; readonly error: CoreweaveError };

/**
 * Where deployment facts come from at synth time. Synchronous, because CDKTF constructs are
 * built synchronously. Takes a batch so that an implementation can answer many lookups in one
 * round trip. Implementations: `LiveDeploymentSource` (the API), `RecordingDeploymentSource` and
 * `ReplayDeploymentSource` (the lookup file, see `lookup-file.ts`) and, for tests,
 * `InMemoryDeploymentSource` from `cdktf-coreweave-inference/testing`.
 */
export interface DeploymentSource {
  lookup(requests: readonly DeploymentLookupRequest[]): readonly DeploymentLookupResult[];
}
