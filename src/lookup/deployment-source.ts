import type { CoreweaveError } from "../api/errors";
import type { Deployment } from "../api/schema";

/** How to reach the API. Each field mirrors the `CoreweaveDeploymentData` prop of that name. */
export interface LookupConnection {
  /** @default process.env.COREWEAVE_API_ENDPOINT, else "https://api.coreweave.com" */
  readonly endpoint?: string;
  /** @default process.env.COREWEAVE_API_TOKEN */
  readonly apiToken?: string;
  /** @default 10000 */
  readonly attemptTimeoutMs?: number;
  /** @default 60000 */
  readonly deadlineMs?: number;
  /** @default 1048576 */
  readonly maxResponseBytes?: number;
  /** @default 4 */
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
