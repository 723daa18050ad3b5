import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  MessageChannel,
  type MessagePort,
  receiveMessageOnPort,
  Worker,
} from "node:worker_threads";
import type { LookupJob, LookupJobResult, WorkerReply } from "./lookup-protocol";

/** How long a new worker may take to load the HTTP client before we give up on it. */
const STARTUP_TIMEOUT_MS = 15_000;

/** Why a job got no result: the worker did not start, crashed, or overran its time. */
export class LookupWorkerFailure {
  constructor(readonly reason: string) {}
}

/**
 * Runs lookup jobs synchronously: CDKTF builds stacks in synchronous constructors, but HTTP is
 * asynchronous. A worker thread runs the async client; the synth thread posts a job and sleeps
 * in `Atomics.wait` until the worker posts the result and wakes it.
 *
 * The worker is started on first use and kept (unref'd) for the life of the process, so only
 * the first lookup pays for starting it and loading undici and zod. If a job overruns its
 * time, the worker is terminated and the next job starts a fresh one.
 */
export class SyncLookupWorker {
  /** @param entry the worker script; tests pass a deliberately broken one. */
  constructor(private readonly entry: string = defaultWorkerEntry()) {}

  #worker: Worker | undefined;
  #port: MessagePort | undefined;
  #ready = false;
  readonly #signal = new Int32Array(new SharedArrayBuffer(4));
  #seen = 0;

  /** Runs one job; returns its result, or a failure after `timeoutMs` at most. */
  run(job: LookupJob, timeoutMs: number): LookupJobResult | LookupWorkerFailure {
    if (!this.#port) this.#spawn();
    const port = this.#ready ? this.#port! : this.#awaitReady();
    if (port instanceof LookupWorkerFailure) return port;
    port.postMessage(job);
    const reply = this.#await(port, timeoutMs);
    if (reply === undefined) {
      this.stop();
      return new LookupWorkerFailure(`no answer from the lookup worker within ${timeoutMs} ms`);
    }
    if (reply.type === "result") return reply.result;
    this.stop();
    return new LookupWorkerFailure(
      reply.type === "crash" ? `the lookup worker failed: ${reply.message}` : "unexpected reply",
    );
  }

  /**
   * Starts the worker now, without waiting for it: loading the HTTP client (about 250 ms) then
   * overlaps with whatever the synth thread does before its first lookup.
   */
  prewarm(): void {
    if (!this.#port) this.#spawn();
  }

  /** Terminates the worker, if any. The next job starts a new one. */
  stop(): void {
    void this.#worker?.terminate();
    this.#port?.close();
    this.#worker = undefined;
    this.#port = undefined;
    this.#ready = false;
  }

  #spawn(): void {
    const { port1, port2 } = new MessageChannel();
    const { entry } = this;
    const worker = new Worker(entry, {
      // Run from TypeScript sources (this repository's tests and examples): load through tsx.
      execArgv: entry.endsWith(".ts") ? ["--require", require.resolve("tsx/cjs")] : [],
      workerData: { port: port2, signal: this.#signal },
      transferList: [port2],
    });
    // The synth process may exit while the worker idles.
    worker.unref();
    port1.unref();
    this.#worker = worker;
    this.#port = port1;
  }

  /** Waits for the new worker's "ready" (or why it could not load). */
  #awaitReady(): MessagePort | LookupWorkerFailure {
    const port = this.#port!;
    const ready = this.#await(port, STARTUP_TIMEOUT_MS);
    if (ready?.type === "ready") {
      this.#ready = true;
      return port;
    }
    this.stop();
    return new LookupWorkerFailure(
      ready?.type === "crash"
        ? `the lookup worker could not start: ${ready.message}`
        : `the lookup worker did not start within ${STARTUP_TIMEOUT_MS} ms (${this.entry})`,
    );
  }

  /** Sleeps until the worker's next reply, or the timeout. */
  #await(port: MessagePort, timeoutMs: number): WorkerReply | undefined {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const received = receiveMessageOnPort(port);
      if (received) {
        this.#seen = Atomics.load(this.#signal, 0);
        return received.message as WorkerReply;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) return undefined;
      Atomics.wait(this.#signal, 0, this.#seen, remaining);
      this.#seen = Atomics.load(this.#signal, 0);
    }
  }
}

/** Compiled, the worker is `lookup-worker.js` beside this file; in sources, the `.ts` file. */
function defaultWorkerEntry(): string {
  const compiled = join(__dirname, "lookup-worker.js");
  return existsSync(compiled) ? compiled : join(__dirname, "lookup-worker.ts");
}
