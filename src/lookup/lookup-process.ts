/**
 * Entry point of the short-lived process that performs lookups for a synchronous synth.
 * Reads a `LookupJob` on stdin, writes a `LookupJobResult` on stdout, exits 0. Any error that is
 * not a `CoreweaveError` goes to stderr (redacted) and exits 1.
 */
import { CoreweaveInferenceClient } from "../api/client";
import { CoreweaveError } from "../api/errors";
import type { LookupJob, LookupJobResult } from "./lookup-protocol";

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function runJob(job: LookupJob): Promise<LookupJobResult> {
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
        const deployment = await client.getDeployment(job.deploymentIds[index]);
        results[index] = { ok: true, deployment };
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

readStdin()
  .then((input) => runJob(JSON.parse(input) as LookupJob))
  .then(
    (result) => {
      process.stdout.write(JSON.stringify(result));
    },
    (error: unknown) => {
      // Never print the job (it holds the token); the message of an unexpected error is enough.
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`lookup process failed: ${message}\n`);
      process.exitCode = 1;
    },
  );
