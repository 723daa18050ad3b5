import { MAX_REQUESTS_IN_FLIGHT } from "../api/concurrency";
import { type ResolvedConnection, resolveConnection } from "../api/connection";
import { ApiConnectionError, CoreweaveError, deserializeError } from "../api/errors";
import { redactSecret, sanitizeText } from "../api/text";
import { judge, type ResolvedWaitOptions } from "../api/wait";
import type {
  DeploymentLookupRequest,
  DeploymentLookupResult,
  DeploymentSource,
} from "./deployment-source";
import { type LookupJobResult, lookupThread, LookupThreadFailure } from "./lookup-thread";

/** Slack on top of the batch's own time limit before the lookup thread is given up on. */
const THREAD_GRACE_MS = 15_000;

/**
 * Looks deployments up over HTTP, synchronously, through the process's `LookupThread`. The
 * requests of one `lookup()` that share a connection and wait options run concurrently, as one
 * batch. Answers, failures included, are cached per endpoint and ID for the life of the source,
 * so a deployment is fetched once however many constructs read it (a failure has already been
 * retried by the client; asking again in the same synth only doubles the wait).
 */
export class LiveDeploymentSource implements DeploymentSource {
  /** The source constructs use by default in live mode, and record through in record mode. */
  static readonly shared = new LiveDeploymentSource();

  readonly #cache = new Map<string, DeploymentLookupResult>();

  lookup(requests: readonly DeploymentLookupRequest[]): readonly DeploymentLookupResult[] {
    const results: DeploymentLookupResult[] = new Array(requests.length);
    const batches = new Map<
      string,
      { connection: ResolvedConnection; wait?: ResolvedWaitOptions; ids: Map<string, number[]> }
    >();
    requests.forEach(({ deploymentId, connection: options, wait }, index) => {
      let connection: ResolvedConnection;
      try {
        // Resolved once, on the synth thread, so a bad option fails fast with its own name; the
        // worker's client takes it as it is. The ID is checked once, by the client.
        connection = resolveConnection(options);
      } catch (error) {
        if (!(error instanceof CoreweaveError)) throw error;
        results[index] = { ok: false, error };
        return;
      }
      const cached = this.#cache.get(cacheKey(connection, deploymentId));
      // A waiter takes a cached answer only if it is ready already; otherwise it polls.
      if (cached && (!wait || (cached.ok && judge(cached.deployment, wait).outcome === "ready"))) {
        results[index] = cached;
        return;
      }
      // The key holds the token, but only in this local map for the length of this call.
      const batchKey = JSON.stringify([connection, wait]);
      const batch = batches.get(batchKey) ?? { connection, wait, ids: new Map<string, number[]>() };
      batches.set(batchKey, batch);
      batch.ids.set(deploymentId, [...(batch.ids.get(deploymentId) ?? []), index]);
    });
    for (const { connection, wait, ids } of batches.values()) {
      const deploymentIds = [...ids.keys()];
      // Every lookup of the batch ends within the wait's timeout, or the client's deadline (time
      // queued for one of the MAX_REQUESTS_IN_FLIGHT slots counts against it).
      const outcome = lookupThread.run(
        { connection, deploymentIds, concurrency: MAX_REQUESTS_IN_FLIGHT, wait },
        (wait?.timeoutMs ?? connection.deadlineMs) + THREAD_GRACE_MS,
      );
      // After a large batch the answers are cached; stopping the worker returns its memory
      // (tens of MB for a thousand answers) before synth, when memory peaks.
      if (deploymentIds.length > MAX_REQUESTS_IN_FLIGHT) lookupThread.stop();
      toResults(connection, deploymentIds, outcome).forEach((answer, i) => {
        this.#cache.set(cacheKey(connection, deploymentIds[i]), answer);
        for (const index of ids.get(deploymentIds[i]) ?? []) results[index] = answer;
      });
    }
    return results;
  }

  /** Forgets cached answers (tests; long-lived processes that synth more than once). */
  clearCache(): void {
    this.#cache.clear();
  }
}

function cacheKey(connection: ResolvedConnection, deploymentId: string): string {
  return `${connection.endpoint}\u0000${deploymentId}`;
}

function toResults(
  connection: ResolvedConnection,
  deploymentIds: readonly string[],
  outcome: LookupJobResult | LookupThreadFailure,
): DeploymentLookupResult[] {
  if (outcome instanceof LookupThreadFailure) {
    const why = sanitizeText(redactSecret(outcome.reason, connection.apiToken), 500);
    return deploymentIds.map((deploymentId) => ({
      ok: false,
      error: new ApiConnectionError(
        `CoreWeave lookup of deployment "${deploymentId}" failed: ${why.replace(/\.$/, "")}.`,
        { deploymentId },
      ),
    }));
  }
  return outcome.results.map((result) =>
    result.ok ? result : { ok: false, error: deserializeError(result.error) },
  );
}
