import { CoreweaveInferenceClient } from "../api/client";
import { CoreweaveError } from "../api/errors";
import type { LookupJob, LookupJobResult, ResolvedConnection } from "./lookup-protocol";

// One client per connection for the life of the worker: later jobs reuse its kept-alive sockets.
// The key holds the token, but only in this worker's memory.
const clients = new Map<string, CoreweaveInferenceClient>();

function clientFor(connection: ResolvedConnection): CoreweaveInferenceClient {
  const key = JSON.stringify(connection);
  let client = clients.get(key);
  if (!client) {
    client = new CoreweaveInferenceClient({
      endpoint: connection.endpoint,
      apiToken: connection.apiToken,
      attemptTimeoutMs: connection.attemptTimeoutMs,
      deadlineMs: connection.deadlineMs,
      maxResponseBytes: connection.maxResponseBytes,
      retry:
        connection.maxRetries === undefined ? undefined : { maxRetries: connection.maxRetries },
      env: {},
    });
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
        results[index] = {
          ok: true,
          deployment: await client.getDeployment(job.deploymentIds[index]),
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
