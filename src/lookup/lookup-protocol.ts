import type { ResolvedConnection } from "../api/connection";
import type { SerializedCoreweaveError } from "../api/errors";
import type { Deployment } from "../api/deployment";
import type { ResolvedWaitOptions } from "../api/wait";

/** One batch of lookups sent to the lookup worker. The token travels only in memory. */
export interface LookupJob {
  readonly connection: ResolvedConnection;
  readonly deploymentIds: readonly string[];
  /** Concurrent requests in flight. */
  readonly concurrency: number;
  /** Wait for each deployment to be ready, instead of reading it once. */
  readonly wait?: ResolvedWaitOptions;
}

/** The worker's answer: one entry per requested ID, in order. */
export interface LookupJobResult {
  readonly results: ReadonlyArray<
    | { readonly ok: true; readonly deployment: Deployment; readonly observedAt: string }
    | { readonly ok: false; readonly error: SerializedCoreweaveError }
  >;
}

/** What the worker posts back: a result, or why the job could not run at all. */
export type WorkerReply =
  | { readonly type: "ready" }
  | { readonly type: "result"; readonly result: LookupJobResult }
  | { readonly type: "crash"; readonly message: string };
