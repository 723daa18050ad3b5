/**
 * The main module of the lookup thread (the synth thread's side is `lookup-thread.ts`, which
 * finds this file by its name): receives `LookupJob`s, runs them with the async client and
 * replies.
 *
 * Load order matters. The synth thread sleeps in `Atomics.wait`, deaf to worker events, until a
 * reply wakes it. So the reply channel and the crash handlers are set up first, with only Node's
 * own modules loaded (the imports below are types, erased at compile time); only then are the
 * HTTP client and zod required. If loading them fails, the synth thread still gets a reply.
 */
import { writeSync } from "node:fs";
import { type MessagePort, workerData } from "node:worker_threads";
import type { ResolvedConnection } from "../api/connection";
import type { Deployment } from "../api/deployment";
import type { ResolvedWaitOptions } from "../api/wait";
import type {
  LookupJob,
  LookupJobResult,
  LookupThreadReply,
  NumberedLookupJob,
} from "./lookup-thread";

const { port, signal } = workerData as { port: MessagePort; signal: Int32Array };

/** Posts a reply, then wakes the synth thread; the message is queued before the wake-up. */
function reply(message: LookupThreadReply): void {
  port.postMessage(message);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

/** The job being run, if any: a failure the thread reports is that job's. */
let running: number | undefined;

/** Reports a failure by its message only: never the job, which holds the token. */
function replyCrash(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  reply({ type: "crash", jobId: running, message });
}

process.on("uncaughtException", replyCrash);
process.on("unhandledRejection", replyCrash);

// Only now, with the handlers in place: the API layer.
/* eslint-disable @typescript-eslint/no-require-imports */
const { CoreweaveInferenceClient, keepHttpParserOnBaselineCompiler, preloadHttpClient } =
  require("../api/coreweave-inference-client") as typeof import("../api/coreweave-inference-client");
const { CoreweaveError } = require("../api/errors") as typeof import("../api/errors");
const { waitForReady, waitOutcomeError } = require("../api/wait") as typeof import("../api/wait");
/* eslint-enable @typescript-eslint/no-require-imports */
type Client = InstanceType<typeof CoreweaveInferenceClient>;

// One client per connection for the life of the thread: later jobs reuse its kept-alive sockets.
// The key holds the token, but only in this thread's memory.
const clients = new Map<string, Client>();

function clientFor(connection: ResolvedConnection): Client {
  const key = JSON.stringify(connection);
  const client = clients.get(key) ?? new CoreweaveInferenceClient({ connection });
  clients.set(key, client);
  return client;
}

/** Runs one batch of lookups with the async client, which bounds the requests in flight. */
async function runLookupJob(job: LookupJob): Promise<LookupJobResult> {
  const client = clientFor(job.connection);
  const results = await Promise.all(
    job.deploymentIds.map(async (deploymentId): Promise<LookupJobResult["results"][number]> => {
      try {
        return job.wait
          ? await waitUntilReady(client, deploymentId, job.wait)
          : {
              ok: true,
              deployment: await client.getDeployment(deploymentId),
              observedAt: new Date().toISOString(),
            };
      } catch (error) {
        if (!(error instanceof CoreweaveError)) throw error;
        return { ok: false, error: error.toJSON() };
      }
    }),
  );
  return { results };
}

async function waitUntilReady(
  client: Client,
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

port.on("message", (job: NumberedLookupJob) => {
  running = job.id;
  runLookupJob(job)
    .then((result) => reply({ type: "result", jobId: job.id, result }), replyCrash)
    .finally(() => {
      if (running === job.id) running = undefined;
    });
});
keepHttpParserOnBaselineCompiler();
reply({ type: "ready" });
// Load the HTTP client while the synth thread still builds its stack, not on the first job.
setImmediate(preloadHttpClient);
