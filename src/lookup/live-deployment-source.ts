import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { CLIENT_DEFAULTS } from "../api/client";
import { resolveApiToken, resolveEndpoint } from "../api/config";
import { encodeDeploymentId } from "../api/deployment-id";
import { ApiConnectionError, CoreweaveError, deserializeError, sanitizeText } from "../api/errors";
import type { Deployment } from "../api/schema";
import type {
  DeploymentLookupRequest,
  DeploymentLookupResult,
  DeploymentSource,
  LookupConnection,
} from "./deployment-source";
import type { LookupJob, LookupJobResult, ResolvedConnection } from "./lookup-protocol";

/** Requests in flight at once inside one lookup process. */
const CONCURRENCY = 8;
/** Slack on top of the client's own deadline before the lookup process is killed. */
const PROCESS_GRACE_MS = 15_000;

/**
 * Looks deployments up over HTTP, synchronously, by running the async client in a short-lived
 * child process and waiting for it (`spawnSync`). A child process, not a worker thread: it is
 * killed outright if it overruns, and the synth process's event loop stays untouched.
 *
 * All requests of one `lookup()` call that share a connection go to one process, concurrently.
 * Successful answers are cached per endpoint and ID for the life of the process, so the same
 * deployment is fetched once however many constructs read it.
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
      runLookupProcess(connection, deploymentIds).forEach((answer, i) => {
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

function resolveConnection(connection: LookupConnection): ResolvedConnection {
  return {
    ...connection,
    endpoint: resolveEndpoint(connection.endpoint).href,
    apiToken: resolveApiToken(connection.apiToken),
  };
}

function cacheKey(connection: ResolvedConnection, deploymentId: string): string {
  return `${connection.endpoint}\u0000${deploymentId}`;
}

function runLookupProcess(
  connection: ResolvedConnection,
  deploymentIds: readonly string[],
): DeploymentLookupResult[] {
  const job: LookupJob = { connection, deploymentIds, concurrency: CONCURRENCY };
  const maxResponseBytes = connection.maxResponseBytes ?? CLIENT_DEFAULTS.maxResponseBytes;
  const env = { ...process.env };
  delete env.COREWEAVE_API_TOKEN; // the child gets the token on stdin only
  const child = spawnSync(process.execPath, lookupProcessArgs(), {
    input: JSON.stringify(job),
    env,
    encoding: "utf8",
    timeout: (connection.deadlineMs ?? CLIENT_DEFAULTS.deadlineMs) + PROCESS_GRACE_MS,
    killSignal: "SIGKILL",
    maxBuffer: deploymentIds.length * maxResponseBytes * 2 + 1024 * 1024,
    windowsHide: true,
  });
  const failAll = (why: string): DeploymentLookupResult[] =>
    deploymentIds.map((deploymentId) => ({
      ok: false,
      error: new ApiConnectionError(
        `CoreWeave lookup of deployment "${deploymentId}" failed: ` +
          why.split(connection.apiToken).join("[REDACTED]"),
        { deploymentId },
      ),
    }));
  if (child.error) {
    return failAll(`the lookup process could not run (${sanitizeText(child.error.message)}).`);
  }
  if (child.status !== 0) {
    const stderr = sanitizeText(child.stderr ?? "", 500) || "no output";
    return failAll(
      `the lookup process ended with ${child.signal ?? `code ${child.status}`}: ${stderr}`,
    );
  }
  let parsed: LookupJobResult;
  try {
    parsed = JSON.parse(child.stdout) as LookupJobResult;
  } catch {
    return failAll("the lookup process wrote an unreadable result.");
  }
  return parsed.results.map((result) =>
    result.ok ? result : { ok: false, error: deserializeError(result.error) },
  );
}

/**
 * Compiled, the lookup process is `lookup-process.js` beside this file. Run from TypeScript
 * sources (this repository's tests and examples), it is the `.ts` file, loaded through tsx.
 */
function lookupProcessArgs(): string[] {
  const compiled = join(__dirname, "lookup-process.js");
  if (existsSync(compiled)) return [compiled];
  return ["--require", require.resolve("tsx/cjs"), join(__dirname, "lookup-process.ts")];
}
