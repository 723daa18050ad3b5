import { createHmac, randomBytes } from "node:crypto";
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
 * batch. Answers, failures included, are cached per endpoint, token and ID for the life of the
 * source, so a deployment is fetched once however many constructs read it (a failure has already
 * been retried by the client; asking again in the same synth only doubles the wait). The token
 * is part of the key because another token (another organization, or a mistyped one) may get
 * another answer; the key holds only a fingerprint of it (see `tokenFingerprint`).
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
    // One fingerprint per token per call (an HMAC costs microseconds, a thousand of them
    // milliseconds); the token is held here only for the length of this call, as in batchKey.
    const fingerprints = new Map<string, string>();
    const keyOf = ({ endpoint, apiToken }: ResolvedConnection, deploymentId: string) => {
      let fingerprint = fingerprints.get(apiToken);
      if (fingerprint === undefined) {
        fingerprint = tokenFingerprint(apiToken);
        fingerprints.set(apiToken, fingerprint);
      }
      return `${endpoint}\u0000${fingerprint}\u0000${deploymentId}`;
    };
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
      const cached = this.#cache.get(keyOf(connection, deploymentId));
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
        { connection, deploymentIds, wait },
        (wait?.timeoutMs ?? connection.deadlineMs) + THREAD_GRACE_MS,
      );
      // After a large batch the answers are cached; stopping the worker returns its memory
      // (tens of MB for a thousand answers) before synth, when memory peaks.
      if (deploymentIds.length > MAX_REQUESTS_IN_FLIGHT) lookupThread.stop();
      toResults(connection, deploymentIds, outcome).forEach((answer, i) => {
        this.#cache.set(keyOf(connection, deploymentIds[i]), answer);
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

/** Drawn once per process and never written anywhere: see `tokenFingerprint`. */
const FINGERPRINT_KEY = randomBytes(32);

/**
 * What the cache keys hold instead of the token: an HMAC-SHA-256 of it under a random key of
 * this process. It tells tokens apart, cannot be turned back into the token, and, should a key
 * ever be printed (a debugger, a log), cannot be checked against guessed tokens elsewhere.
 */
function tokenFingerprint(apiToken: string): string {
  return createHmac("sha256", FINGERPRINT_KEY).update(apiToken).digest("base64url");
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
