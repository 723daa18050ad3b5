/**
 * The synth thread's side of the lookup thread, a worker thread that runs the async HTTP client
 * (its own side is `lookup-thread-main.ts`): the messages they exchange, `LookupThread`, and the
 * process's one lookup thread, `lookupThread`.
 *
 * Imported first by the package's entry point, to start the thread early (see the end of this
 * file). So it loads nothing heavy, and not even the API layer: only Node's own modules and
 * `deployment-source.ts`, which is names and types (the imports of types are erased).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  MessageChannel,
  type MessagePort,
  receiveMessageOnPort,
  Worker,
} from "node:worker_threads";
import type { ResolvedConnection } from "../api/connection";
import type { SerializedCoreweaveError } from "../api/errors";
import type { Deployment } from "../api/deployment";
import type { ResolvedWaitOptions } from "../api/wait";
import { LOOKUP_MODE_ENV } from "./deployment-source";

/** One batch of lookups sent to the lookup thread. The token travels only in memory. */
export interface LookupJob {
  readonly connection: ResolvedConnection;
  readonly deploymentIds: readonly string[];
  /** Wait for each deployment to be ready, instead of reading it once. */
  readonly wait?: ResolvedWaitOptions;
}

/** The lookup thread's answer: one entry per requested ID, in order. */
export interface LookupJobResult {
  readonly results: ReadonlyArray<
    | { readonly ok: true; readonly deployment: Deployment; readonly observedAt: string }
    | { readonly ok: false; readonly error: SerializedCoreweaveError }
  >;
}

/** A job as it is posted: numbered, so a reply is known for the job it answers. */
export interface NumberedLookupJob extends LookupJob {
  readonly id: number;
}

/**
 * What the lookup thread posts back: a result, or why a job could not run at all (`jobId`: the
 * job that was running, if any, when the thread failed).
 */
export type LookupThreadReply =
  | { readonly type: "ready" }
  | { readonly type: "result"; readonly jobId: number; readonly result: LookupJobResult }
  | { readonly type: "crash"; readonly jobId?: number; readonly message: string };

/** How long a new lookup thread may take to load the API layer and say "ready" before we give up. */
const STARTUP_TIMEOUT_MS = 15_000;

/** Why a job got no result: the lookup thread did not start, crashed, or overran its time. */
export class LookupThreadFailure {
  constructor(readonly reason: string) {}
}

/**
 * Runs lookup jobs synchronously: CDKTF builds stacks in synchronous constructors, but HTTP is
 * asynchronous. A worker thread runs the async client; the synth thread posts a job and sleeps
 * in `Atomics.wait` until the worker posts the result and wakes it.
 *
 * The worker starts on the first job, or earlier with `prewarm()`, and idles unref'd between
 * jobs, so it never keeps the process alive. `stop()` ends it and the next job starts a fresh
 * one: that happens when a job overruns its time, when the worker crashes or sends something
 * unexpected, and after a large batch (to return its memory, see `LiveDeploymentSource`).
 */
export class LookupThread {
  /** @param entry the thread's main module; tests pass a deliberately broken one. */
  constructor(private readonly entry: string = defaultMainModule()) {}

  #worker: Worker | undefined;
  #port: MessagePort | undefined;
  #ready = false;
  #jobs = 0;
  readonly #signal = new Int32Array(new SharedArrayBuffer(4));

  /** Runs one job; returns its result, or a failure after `timeoutMs` at most. */
  run(job: LookupJob, timeoutMs: number): LookupJobResult | LookupThreadFailure {
    if (!this.#port) this.#spawn();
    const port = this.#port!;
    if (!this.#ready) {
      const ready = this.#await(port, STARTUP_TIMEOUT_MS);
      if (ready?.type !== "ready") {
        return this.#fail(
          ready?.type === "crash"
            ? `the lookup thread could not start: ${ready.message}`
            : `the lookup thread did not start within ${STARTUP_TIMEOUT_MS} ms (${this.entry})`,
        );
      }
      this.#ready = true;
    }
    const id = ++this.#jobs;
    port.postMessage({ ...job, id } satisfies NumberedLookupJob);
    const deadline = Date.now() + timeoutMs;
    let reply: LookupThreadReply | undefined;
    do {
      // A reply for another job (a failure the thread reported while idle, after an overrun) is
      // stale: this job's reply is still to come.
      reply = this.#await(port, deadline - Date.now());
    } while (reply !== undefined && reply.type !== "ready" && (reply.jobId ?? id) !== id);
    if (reply?.type === "result") return reply.result;
    return this.#fail(
      reply === undefined
        ? `no answer from the lookup thread within ${timeoutMs} ms`
        : reply.type === "crash"
          ? `the lookup thread failed: ${reply.message}`
          : "unexpected reply",
    );
  }

  /** Starts the worker now, without waiting for it (see the end of this file for why). */
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
    this.#worker = new Worker(this.entry, {
      // Run from TypeScript sources (this repository's tests and examples): load through tsx.
      execArgv: this.entry.endsWith(".ts") ? ["--require", require.resolve("tsx/cjs")] : [],
      workerData: { port: port2, signal: this.#signal },
      transferList: [port2],
    });
    this.#worker.unref();
    this.#port = port1;
    port1.unref();
  }

  /** Stops the worker and says why. */
  #fail(reason: string): LookupThreadFailure {
    this.stop();
    return new LookupThreadFailure(reason);
  }

  /** Sleeps until the thread's next reply, or the timeout. */
  #await(port: MessagePort, timeoutMs: number): LookupThreadReply | undefined {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // Read before looking: a reply posted after the look changes it, so the wait ends at once.
      const seen = Atomics.load(this.#signal, 0);
      const received = receiveMessageOnPort(port);
      if (received) return received.message as LookupThreadReply;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return undefined;
      Atomics.wait(this.#signal, 0, seen, remaining);
    }
  }
}

/** The thread's main module: `lookup-thread-main.js` beside this file, else the `.ts` source. */
function defaultMainModule(): string {
  const compiled = join(__dirname, "lookup-thread-main.js");
  return existsSync(compiled) ? compiled : join(__dirname, "lookup-thread-main.ts");
}

/** The process's one lookup thread, shared by all live sources. */
export const lookupThread = new LookupThread();

// Started at import when a live lookup is likely (a token is set and the app does not replay),
// so that loading its HTTP client (about 250 ms) overlaps with the package and the app loading,
// instead of delaying the first lookup. At import there is no app yet, so only the environment
// can say "replay": an app that replays through the cdktf context (`coreweaveLookupMode`) with a
// token set still starts a worker here, which then idles, unref'd, unused. (The token's variable
// is `TOKEN_ENV`, written out: importing it would load the API layer before the worker starts.)
if (process.env.COREWEAVE_API_TOKEN?.trim() && process.env[LOOKUP_MODE_ENV]?.trim() !== "replay") {
  lookupThread.prewarm();
}
