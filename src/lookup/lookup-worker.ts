/**
 * The lookup worker thread. Receives `LookupJob`s on a port, runs them with the async client,
 * posts a `WorkerReply` and then wakes the synth thread, which sleeps in `Atomics.wait`.
 */
import { workerData, type MessagePort } from "node:worker_threads";
import { runLookupJob } from "./lookup-job";
import type { LookupJob, WorkerReply } from "./lookup-protocol";

const { port, signal } = workerData as { port: MessagePort; signal: Int32Array };

function reply(message: WorkerReply): void {
  port.postMessage(message);
  // The message is queued before the wake-up, so the waiting thread can read it at once.
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

function crashMessage(error: unknown): string {
  // Never echo the job: it holds the token. The error's own message is enough.
  return error instanceof Error ? error.message : String(error);
}

port.on("message", (job: LookupJob) => {
  runLookupJob(job).then(
    (result) => reply({ type: "result", result }),
    (error: unknown) => reply({ type: "crash", message: crashMessage(error) }),
  );
});
reply({ type: "ready" });
