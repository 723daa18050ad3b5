import type { SerializedCoreweaveError } from "../api/errors";
import type { Deployment } from "../api/schema";
import type { LookupConnection } from "./deployment-source";

/** A connection whose endpoint and token are resolved and checked. */
export interface ResolvedConnection extends LookupConnection {
  readonly endpoint: string;
  readonly apiToken: string;
}

/** What the parent writes to the lookup process's stdin. The token travels only here. */
export interface LookupJob {
  readonly connection: ResolvedConnection;
  readonly deploymentIds: readonly string[];
  /** Concurrent requests in flight. */
  readonly concurrency: number;
}

/** What the lookup process writes to stdout, one entry per requested ID, in order. */
export interface LookupJobResult {
  readonly results: ReadonlyArray<
    | { readonly ok: true; readonly deployment: Deployment }
    | { readonly ok: false; readonly error: SerializedCoreweaveError }
  >;
}
