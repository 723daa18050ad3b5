import type { ConnectionOptions } from "../api/connection";
import type { CoreweaveError } from "../api/errors";
import type { Deployment } from "../api/deployment";
import type { ResolvedWaitOptions } from "../api/wait";

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
 * round trip. Implementations: `LiveDeploymentSource` (the API) and, for tests,
 * `InMemoryDeploymentSource` from `cdktf-coreweave-inference/testing`.
 */
export interface DeploymentSource {
  lookup(requests: readonly DeploymentLookupRequest[]): readonly DeploymentLookupResult[];
}
