import { writeSync } from "node:fs";
import { CoreweaveInferenceClient } from "../api/client";
import type { ResolvedConnection } from "../api/connection";
import { CoreweaveError } from "../api/errors";
import type { Deployment } from "../api/deployment";
import { type ResolvedWaitOptions, waitForReady, waitOutcomeError } from "../api/wait";
import type { LookupJob, LookupJobResult } from "./lookup-protocol";

// One client per connection for the life of the worker: later jobs reuse its kept-alive sockets.
// The key holds the token, but only in this worker's memory.
const clients = new Map<string, CoreweaveInferenceClient>();

function clientFor(connection: ResolvedConnection): CoreweaveInferenceClient {
  const key = JSON.stringify(connection);
  let client = clients.get(key);
  if (!client) {
    client = new CoreweaveInferenceClient({ connection });
    clients.set(key, client);
  }
  return client;
}

/** Runs one batch of lookups with the async client, `job.concurrency` requests at a time. */
export async function runLookupJob(job: LookupJob): Promise<LookupJobResult> {
  const client = clientFor(job.connection);
  const results: LookupJobResult["results"][number][] = new Array(job.deploymentIds.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < job.deploymentIds.length) {
      const index = next++;
      try {
        results[index] = job.wait
          ? await waitUntilReady(client, job.deploymentIds[index], job.wait)
          : {
              ok: true,
              deployment: await client.getDeployment(job.deploymentIds[index]),
              observedAt: new Date().toISOString(),
            };
      } catch (error) {
        if (!(error instanceof CoreweaveError)) throw error;
        results[index] = { ok: false, error: error.toJSON() };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, job.concurrency) }, worker));
  return { results };
}

async function waitUntilReady(
  client: CoreweaveInferenceClient,
  deploymentId: string,
  wait: ResolvedWaitOptions,
): Promise<{ ok: true; deployment: Deployment; observedAt: string }> {
  const outcome = await waitForReady(client, deploymentId, wait, {
    // Straight to the file descriptor: the synth thread, which would relay a worker's
    // process.stderr, sleeps until the lookup ends, and progress must show during the wait.
    onProgress: (line) => writeSync(2, `coreweave-inference: ${line}\n`),
  });
  if (outcome.outcome !== "ready") throw waitOutcomeError(outcome, wait);
  return { ok: true, deployment: outcome.deployment, observedAt: outcome.observedAt };
}
