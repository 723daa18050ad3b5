import { CoreweaveInferenceClient } from "../api/client";
import { CoreweaveError } from "../api/errors";
import type { LookupJob, LookupJobResult } from "./lookup-protocol";

/** Runs one batch of lookups with the async client, `job.concurrency` requests at a time. */
export async function runLookupJob(job: LookupJob): Promise<LookupJobResult> {
  const { connection } = job;
  const client = new CoreweaveInferenceClient({
    endpoint: connection.endpoint,
    apiToken: connection.apiToken,
    attemptTimeoutMs: connection.attemptTimeoutMs,
    deadlineMs: connection.deadlineMs,
    maxResponseBytes: connection.maxResponseBytes,
    retry: connection.maxRetries === undefined ? undefined : { maxRetries: connection.maxRetries },
    env: {},
  });
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
  try {
    await Promise.all(Array.from({ length: Math.max(1, job.concurrency) }, worker));
  } finally {
    await client.close();
  }
  return { results };
}
