import type { CoreweaveError } from "../api/errors";
import type { Deployment } from "../api/schema";

/** How to reach the API. Unset fields fall back to `COREWEAVE_API_*` and the client defaults. */
export interface LookupConnection {
  readonly endpoint?: string;
  readonly apiToken?: string;
  readonly attemptTimeoutMs?: number;
  readonly deadlineMs?: number;
  readonly maxResponseBytes?: number;
  readonly maxRetries?: number;
}

export interface DeploymentLookupRequest {
  readonly deploymentId: string;
  readonly connection: LookupConnection;
}

export type DeploymentLookupResult =
  | { readonly ok: true; readonly deployment: Deployment }
  | { readonly ok: false; readonly error: CoreweaveError };

/**
 * Where deployment facts come from at synth time. Synchronous, because CDKTF constructs are
 * built synchronously. Takes a batch so that an implementation can answer many lookups in one
 * round trip; a snapshot-file source can implement the same interface for offline replay.
 */
export interface DeploymentSource {
  lookup(requests: readonly DeploymentLookupRequest[]): readonly DeploymentLookupResult[];
}
