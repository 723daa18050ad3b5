import { CLIENT_DEFAULTS } from "../api/client";
import { MAX_TIMER_MS, requireInteger, resolveApiToken, resolveEndpoint } from "../api/config";
import { encodeDeploymentId } from "../api/deployment-id";
import {
  ApiConnectionError,
  CoreweaveError,
  deserializeError,
  redactSecret,
  sanitizeText,
} from "../api/errors";
import type { Deployment } from "../api/schema";
import type {
  DeploymentLookupRequest,
  DeploymentLookupResult,
  DeploymentSource,
  LookupConnection,
} from "./deployment-source";
import type { LookupJobResult, ResolvedConnection } from "./lookup-protocol";
import { LookupWorkerFailure, SyncLookupWorker } from "./sync-lookup-worker";

/** Requests in flight at once for one batch. */
const CONCURRENCY = 8;
/** Slack on top of the client's own deadline before the worker is given up on. */
const WORKER_GRACE_MS = 15_000;
/** One worker per process, shared by all sources; it idles unref'd between lookups. */
const lookupWorker = new SyncLookupWorker();

/**
 * Looks deployments up over HTTP, synchronously, through the process's lookup worker thread
 * (see `SyncLookupWorker`).
 *
 * All requests of one `lookup()` call that share a connection go to the worker as one batch and
 * run concurrently. Successful answers are cached per endpoint and ID for the life of the
 * source, so the same deployment is fetched once however many constructs read it.
 */
export class LiveDeploymentSource implements DeploymentSource {
  /** The source constructs use unless given another. */
  static readonly shared = new LiveDeploymentSource();

  readonly #cache = new Map<string, Deployment>();

  lookup(requests: readonly DeploymentLookupRequest[]): readonly DeploymentLookupResult[] {
    const results: DeploymentLookupResult[] = new Array(requests.length);
    const batches = new Map<
      string,
      { connection: ResolvedConnection; ids: Map<string, number[]> }
    >();
    requests.forEach((request, index) => {
      let connection: ResolvedConnection;
      try {
        encodeDeploymentId(request.deploymentId);
        connection = resolveConnection(request.connection);
      } catch (error) {
        if (!(error instanceof CoreweaveError)) throw error;
        results[index] = { ok: false, error };
        return;
      }
      const cached = this.#cache.get(cacheKey(connection, request.deploymentId));
      if (cached) {
        results[index] = { ok: true, deployment: cached };
        return;
      }
      // The key holds the token, but only in this local map for the length of this call.
      const batchKey = JSON.stringify(connection);
      const batch = batches.get(batchKey) ?? { connection, ids: new Map<string, number[]>() };
      batches.set(batchKey, batch);
      batch.ids.set(request.deploymentId, [...(batch.ids.get(request.deploymentId) ?? []), index]);
    });
    for (const { connection, ids } of batches.values()) {
      const deploymentIds = [...ids.keys()];
      // Each request has its own deadline, and requests run CONCURRENCY at a time.
      const waves = Math.ceil(deploymentIds.length / CONCURRENCY);
      const outcome = lookupWorker.run(
        { connection, deploymentIds, concurrency: CONCURRENCY },
        waves * (connection.deadlineMs ?? CLIENT_DEFAULTS.deadlineMs) + WORKER_GRACE_MS,
      );
      toResults(connection, deploymentIds, outcome).forEach((answer, i) => {
        if (answer.ok) this.#cache.set(cacheKey(connection, deploymentIds[i]), answer.deployment);
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

/** Checks everything on the synth thread, so a bad option fails fast with its own name. */
function resolveConnection(connection: LookupConnection): ResolvedConnection {
  const { attemptTimeoutMs, deadlineMs, maxResponseBytes, maxRetries } = connection;
  if (attemptTimeoutMs !== undefined)
    requireInteger("attemptTimeoutMs", attemptTimeoutMs, 1, MAX_TIMER_MS);
  if (deadlineMs !== undefined) requireInteger("deadlineMs", deadlineMs, 1, MAX_TIMER_MS);
  if (maxResponseBytes !== undefined) requireInteger("maxResponseBytes", maxResponseBytes, 1);
  if (maxRetries !== undefined) requireInteger("maxRetries", maxRetries, 0);
  return {
    ...connection,
    endpoint: resolveEndpoint(connection.endpoint).href,
    apiToken: resolveApiToken(connection.apiToken),
  };
}

function cacheKey(connection: ResolvedConnection, deploymentId: string): string {
  return `${connection.endpoint}\u0000${deploymentId}`;
}

function toResults(
  connection: ResolvedConnection,
  deploymentIds: readonly string[],
  outcome: LookupJobResult | LookupWorkerFailure,
): DeploymentLookupResult[] {
  if (outcome instanceof LookupWorkerFailure) {
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
