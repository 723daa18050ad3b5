/**
 * The worker's side of the channel to the synth thread. Imported first by the worker entry, so
 * its handlers are in place before anything else loads: if loading the HTTP client or a job
 * fails, the synth thread (asleep in `Atomics.wait`, deaf to worker events) still gets a reply.
 */
import { workerData, type MessagePort } from "node:worker_threads";
import type { WorkerReply } from "./lookup-protocol";

const { port, signal } = workerData as { port: MessagePort; signal: Int32Array };

/** Posts a reply, then wakes the synth thread; the message is queued before the wake-up. */
export function reply(message: WorkerReply): void {
  port.postMessage(message);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

/** Reports a failure by its message only: never the job, which holds the token. */
export function replyCrash(error: unknown): void {
  reply({ type: "crash", message: error instanceof Error ? error.message : String(error) });
}

export const jobs = port;

process.on("uncaughtException", replyCrash);
process.on("unhandledRejection", replyCrash);
