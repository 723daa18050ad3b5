import type { SerializedCoreweaveError } from "../api/errors";
import type { Deployment } from "../api/schema";
import type { LookupConnection } from "./deployment-source";

/** A connection whose endpoint and token are resolved and checked. */
export interface ResolvedConnection extends LookupConnection {
  readonly endpoint: string;
  readonly apiToken: string;
}

/** One batch of lookups sent to the lookup worker. The token travels only in memory. */
export interface LookupJob {
  readonly connection: ResolvedConnection;
  readonly deploymentIds: readonly string[];
  /** Concurrent requests in flight. */
  readonly concurrency: number;
}

/** The worker's answer: one entry per requested ID, in order. */
export interface LookupJobResult {
  readonly results: ReadonlyArray<
    | { readonly ok: true; readonly deployment: Deployment }
    | { readonly ok: false; readonly error: SerializedCoreweaveError }
  >;
}

/** What the worker posts back: a result, or why the job could not run at all. */
export type WorkerReply =
  | { readonly type: "ready" }
  | { readonly type: "result"; readonly result: LookupJobResult }
  | { readonly type: "crash"; readonly message: string };
