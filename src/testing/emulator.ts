/**
 * A local CoreWeave Inference API (`GET /v1alpha1/inference/deployments/{id}`) for offline tests:
 * scripted deployments, injectable faults, a request log, and a JSON control API on the same port.
 * The server needs no HTTP library or validator: Node's `http`, and from this package only the
 * text redaction, error-code tables and status names of the API layer (no undici, no zod), so it
 * starts fast and runs anywhere the package does. It serves what it is given, broken answers
 * included; only the CLI checks a fixtures file against the API schema, loading zod for that
 * alone (`checkFixtureDeployments`).
 *
 * This file holds the server. Its public types are in `emulator-types.ts`, the checks of what
 * users hand it in `emulator-validation.ts`, and its HTTP plumbing in `emulator-http.ts`.
 */
import {
  createServer,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from "node:http";
import type { Socket } from "node:net";
import { redactSecret } from "../api/text";
import type { CoreweaveEmulatorOptions, Fault, RequestLogEntry, Scenario } from "./emulator-types";
import {
  authState,
  controlErrorCode,
  decodeSegment,
  expectMethod,
  grpcStatus,
  paddingChunks,
  readJsonBody,
  RESOURCE_INFO,
  statusFaultBody,
  streamBody,
  waitOrClose,
  writeBody,
  writeHead,
} from "./emulator-http";
import {
  EmulatorInputError,
  parseFault,
  parseLatency,
  parseScenario,
  parseToken,
  scenarioPath,
  type StoredStep,
} from "./emulator-validation";
import { deploymentFixture } from "./fixtures";

// Importing this file alone still gives the emulator's whole API.
export type * from "./emulator-types";
export { EmulatorInputError } from "./emulator-validation";

/** The bearer token the emulator accepts unless given another. A test value, not a secret. */
export const DEFAULT_EMULATOR_TOKEN = "emulator-token";

/**
 * Environment variables read by the emulator CLI (`npm run emulator`); `startEmulatorProcess`
 * passes its options through them, never through argv (visible in `ps`).
 */
export const EMULATOR_ENV = {
  token: "COREWEAVE_EMULATOR_TOKEN",
  port: "COREWEAVE_EMULATOR_PORT",
  fixtures: "COREWEAVE_EMULATOR_FIXTURES",
  latencyMs: "COREWEAVE_EMULATOR_LATENCY_MS",
} as const;

/**
 * Set to "1" by `startEmulatorProcess` beside the fixtures file it writes from its `deployments`
 * option: the CLI then serves them as `CoreweaveEmulator` serves the same option, without the
 * client's checks of a fixtures file, so that a test can serve answers the client refuses. Not
 * for users: `/testing` does not export it.
 */
export const OPTIONS_FIXTURES_ENV = "COREWEAVE_EMULATOR_FIXTURES_FROM_OPTIONS";

/** The CLI prints this followed by the base URL, on one stdout line, once it is listening. */
export const LISTENING_LINE_PREFIX = "CoreWeave Inference API emulator listening on ";

/** The only address the emulator listens on (see {@link CoreweaveEmulator}). */
const HOST = "127.0.0.1";

const DEPLOYMENT_PATH = /^\/v1alpha1\/inference\/deployments\/([^/]+)$/;
const CONTROL_DEPLOYMENT_PATH = /^\/_emulator\/deployments\/([^/]+)$/;

/** One route of the control API. */
export interface ControlRoute {
  readonly method: "GET" | "PUT" | "POST" | "DELETE";
  readonly path: string;
  /** What it does, in a few words. */
  readonly summary: string;
}

/**
 * Every route of the control API, served by `#handleControl`. Listed once here for what tells
 * users about them: the CLI's `--help` and the answer to an unknown control route.
 */
export const CONTROL_ROUTES: readonly ControlRoute[] = [
  {
    method: "PUT",
    path: "/_emulator/deployments/{id}",
    summary: "serve the scenario in the body for {id}, from its start",
  },
  { method: "POST", path: "/_emulator/faults", summary: "queue a fault for upcoming API requests" },
  { method: "GET", path: "/_emulator/requests", summary: "read the request log" },
  { method: "DELETE", path: "/_emulator/requests", summary: "clear the request log" },
  { method: "POST", path: "/_emulator/reset", summary: "forget deployments, faults and the log" },
];

/** A scenario being served: its checked steps and how far it got. */
interface DeploymentState {
  readonly steps: readonly StoredStep[];
  index: number;
  /** `performance.now()` when the current step began. */
  startedAt: number;
  /** Answers served from the current step. */
  served: number;
}

interface PendingFault {
  readonly fault: Fault;
  remaining: number;
}

type MutableLogEntry = { -readonly [K in keyof RequestLogEntry]: RequestLogEntry[K] };

/**
 * An in-process emulator of the CoreWeave Inference API. Answers
 * `GET /v1alpha1/inference/deployments/{id}` from scripted {@link Scenario}s, applies queued
 * {@link Fault}s, and logs requests without ever recording the token.
 *
 * The control API (`/_emulator/*`: set deployments, queue faults, read the log, reset) needs no
 * token, so the emulator listens on loopback (`127.0.0.1`) only: nothing off this machine can
 * reach it.
 *
 * It cannot answer a caller that blocks this thread (the constructs' synth-time lookup); use
 * `startEmulatorProcess` for those.
 */
export class CoreweaveEmulator {
  readonly #token: string;
  readonly #port: number;
  readonly #latencyMs: number;
  readonly #deployments = new Map<string, DeploymentState>();
  #faults: PendingFault[] = [];
  #log: MutableLogEntry[] = [];
  #seq = 0;
  #server: Server | undefined;
  #starting: Promise<string> | undefined;
  readonly #sockets = new Set<Socket>();

  constructor(options: CoreweaveEmulatorOptions = {}) {
    this.#token = parseToken(options.token ?? DEFAULT_EMULATOR_TOKEN);
    this.#port = options.port ?? 0;
    this.#latencyMs = parseLatency(options.latencyMs);
    for (const [id, scenario] of Object.entries(options.deployments ?? {})) {
      this.setDeployment(id, scenario);
    }
  }

  /** Starts listening; resolves the base URL, e.g. `http://127.0.0.1:41234`. */
  start(): Promise<string> {
    this.#starting ??= new Promise<string>((resolve, reject) => {
      const server = createServer((req, res) => this.#onRequest(req, res));
      server.on("connection", (socket: Socket) => {
        this.#sockets.add(socket);
        socket.once("close", () => this.#sockets.delete(socket));
      });
      server.once("error", reject);
      server.listen(this.#port, HOST, () => {
        server.off("error", reject);
        this.#server = server;
        resolve(this.url);
      });
    }).catch((error: unknown) => {
      this.#starting = undefined;
      throw error;
    });
    return this.#starting;
  }

  /** Stops listening and destroys every open connection, hung ones included. */
  async stop(): Promise<void> {
    await this.#starting?.catch(() => undefined);
    const server = this.#server;
    this.#server = undefined;
    this.#starting = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  /** The base URL, built from the address actually bound. Throws unless started. */
  get url(): string {
    const address = this.#server?.address();
    if (!address || typeof address === "string") {
      throw new Error("CoreweaveEmulator is not listening; await start() first");
    }
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  /** Serves `scenario` for `id` from now on, starting at its first step. */
  setDeployment(id: string, scenario: Scenario): void {
    if (typeof id !== "string" || id === "") {
      throw new EmulatorInputError("deployment ID must be a non-empty string");
    }
    const steps = parseScenario(scenario, scenarioPath(id));
    this.#deployments.set(id, { steps, index: 0, startedAt: performance.now(), served: 0 });
  }

  /** Queues a fault; pending faults apply in the order they were added. */
  addFault(fault: Fault): void {
    const parsed = parseFault(fault);
    const times = parsed.times ?? 1;
    this.#faults.push({ fault: parsed, remaining: times === -1 ? Infinity : times });
  }

  /** The API requests so far, oldest first (copies). */
  requestLog(): readonly RequestLogEntry[] {
    return this.#log.map((entry) => ({ ...entry }));
  }

  /** Forgets logged requests (sequence numbers keep increasing). */
  clearRequestLog(): void {
    this.#log = [];
  }

  /** Forgets deployments, pending faults and the request log. */
  reset(): void {
    this.#deployments.clear();
    this.#faults = [];
    this.#log = [];
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    this.#handle(req, res).catch((error: unknown) => {
      // An emulator bug must not crash the test run: answer 500 if that is still possible.
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      writeBody(res, 500, grpcStatus("INTERNAL", `emulator error: ${this.#redact(message)}`));
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { pathname } = new URL(req.url ?? "/", "http://emulator.invalid");
    if (pathname === "/_emulator" || pathname.startsWith("/_emulator/")) {
      return this.#handleControl(req, res, pathname);
    }
    const method = req.method ?? "GET";
    const match = DEPLOYMENT_PATH.exec(pathname);
    const deploymentId = match ? decodeSegment(match[1]) : undefined;
    const entry: MutableLogEntry = {
      seq: ++this.#seq,
      time: new Date().toISOString(),
      method,
      path: this.#redact(pathname),
      auth: authState(req.headers.authorization, this.#token),
    };
    if (deploymentId !== undefined) entry.deploymentId = this.#redact(deploymentId);
    this.#log.push(entry);
    // Stands in for the real API's network and server time. A client that gives up meanwhile
    // gets nothing, as from a real server.
    if (this.#latencyMs > 0 && !(await waitOrClose(res, this.#latencyMs))) return;
    const reply = (status: number, body: string | Buffer, headers?: OutgoingHttpHeaders): void => {
      entry.status = status;
      writeBody(res, status, body, headers);
    };

    if (entry.auth !== "ok") {
      return reply(401, grpcStatus("UNAUTHENTICATED", "missing or invalid bearer token"), {
        "www-authenticate": "Bearer",
      });
    }
    if (!match) {
      const message = `no route for ${entry.path}; the emulator serves GET /v1alpha1/inference/deployments/{id}`;
      return reply(404, grpcStatus("NOT_FOUND", message));
    }
    if (deploymentId === undefined) {
      return reply(
        400,
        grpcStatus(
          "INVALID_ARGUMENT",
          "the deployment ID in the path is not valid percent-encoding",
        ),
      );
    }
    if (method !== "GET") {
      return reply(
        405,
        grpcStatus("UNIMPLEMENTED", `method ${method} is not supported here; use GET`),
        {
          allow: "GET",
        },
      );
    }

    const fault = this.#takeFault(deploymentId);
    if (fault) entry.fault = fault.type;
    switch (fault?.type) {
      case undefined: {
        const answer = this.#answer(deploymentId);
        return reply(answer.status, answer.body);
      }
      case "status":
        return reply(
          fault.httpStatus,
          statusFaultBody(fault),
          fault.retryAfter === undefined ? undefined : { "retry-after": fault.retryAfter },
        );
      case "body":
        return reply(fault.httpStatus, fault.body, {
          "content-type": fault.contentType ?? "application/json",
        });
      case "hang":
        // Never answered: the socket closes when the client gives up or stop() destroys it.
        return;
      case "reset":
        req.socket.resetAndDestroy();
        return;
      case "schemaInvalid":
        return reply(
          200,
          JSON.stringify({ deployment: { spec: { id: deploymentId, gatewayIds: "not-a-list" } } }),
        );
      case "malformed": {
        const body = Buffer.from(this.#deploymentBody(deploymentId));
        return reply(200, body.subarray(0, Math.floor(body.length / 2)));
      }
      case "slowHeaders": {
        if (!(await waitOrClose(res, fault.delayMs))) return;
        const answer = this.#answer(deploymentId);
        return reply(answer.status, answer.body);
      }
      case "slowBody": {
        const answer = this.#answer(deploymentId);
        const body = Buffer.from(answer.body);
        const half = Math.floor(body.length / 2);
        entry.status = answer.status;
        writeHead(res, answer.status, body.length);
        res.write(body.subarray(0, half));
        if (await waitOrClose(res, fault.delayMs)) res.end(body.subarray(half));
        return;
      }
      case "oversized": {
        // `{"deployment":...,"emulatorPadding":"xxx..."}`: still a valid body, padded to size.
        const prefix = `${this.#deploymentBody(deploymentId).slice(0, -1)},"emulatorPadding":"`;
        const suffix = '"}';
        const padding = fault.bytes - Buffer.byteLength(prefix) - suffix.length;
        entry.status = 200;
        writeHead(res, 200, undefined); // chunked: no content-length
        return streamBody(res, [prefix, ...paddingChunks(padding), suffix]);
      }
    }
  }

  async #handleControl(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    const ok = (value: unknown = { ok: true }): void => writeBody(res, 200, JSON.stringify(value));
    try {
      const deploymentMatch = CONTROL_DEPLOYMENT_PATH.exec(pathname);
      if (deploymentMatch) {
        expectMethod(req, ["PUT"], pathname);
        const id = decodeSegment(deploymentMatch[1]);
        if (id === undefined) {
          throw new EmulatorInputError(
            "the deployment ID in the path is not valid percent-encoding",
          );
        }
        // setDeployment validates the parsed body.
        this.setDeployment(id, (await readJsonBody(req)) as Scenario);
        return ok();
      }
      switch (pathname) {
        case "/_emulator/faults":
          expectMethod(req, ["POST"], pathname);
          this.addFault((await readJsonBody(req)) as Fault);
          return ok();
        case "/_emulator/requests":
          expectMethod(req, ["GET", "DELETE"], pathname);
          if (req.method === "GET") return ok({ requests: this.requestLog() });
          this.clearRequestLog();
          return ok();
        case "/_emulator/reset":
          expectMethod(req, ["POST"], pathname);
          this.reset();
          return ok();
        default:
          throw new EmulatorInputError(
            `no control route ${pathname}; routes: ${CONTROL_ROUTES.map((r) => `${r.method} ${r.path}`).join(", ")}`,
            404,
          );
      }
    } catch (error) {
      if (!(error instanceof EmulatorInputError)) throw error;
      // After an over-long body the rest of the upload is not read: close the connection.
      const headers = error.httpStatus === 413 ? { connection: "close" } : undefined;
      writeBody(
        res,
        error.httpStatus,
        grpcStatus(controlErrorCode(error.httpStatus), error.message),
        headers,
      );
    }
  }

  /** Consumes one use of the first pending fault that applies to `deploymentId`. */
  #takeFault(deploymentId: string): Fault | undefined {
    const index = this.#faults.findIndex(
      ({ fault }) => fault.deploymentId === undefined || fault.deploymentId === deploymentId,
    );
    if (index === -1) return undefined;
    const pending = this.#faults[index];
    pending.remaining -= 1;
    if (pending.remaining <= 0) this.#faults.splice(index, 1);
    return pending.fault;
  }

  /** The normal answer: the deployment's current step (advancing it), or 404. */
  #answer(deploymentId: string): { readonly status: number; readonly body: string } {
    const body = this.#nextBody(deploymentId);
    if (body !== undefined) return { status: 200, body };
    return {
      status: 404,
      body: grpcStatus("NOT_FOUND", `deployment ${deploymentId} not found`, [
        { "@type": RESOURCE_INFO, resourceType: "deployment", resourceName: deploymentId },
      ]),
    };
  }

  /** A deployment body for faults that distort one: the scenario's, else the fixture. */
  #deploymentBody(deploymentId: string): string {
    return this.#nextBody(deploymentId) ?? JSON.stringify(deploymentFixture(deploymentId));
  }

  /** The current step's body, counting this answer towards the step's `requests`. */
  #nextBody(deploymentId: string): string | undefined {
    const state = this.#deployments.get(deploymentId);
    if (!state) return undefined;
    const now = performance.now();
    const last = state.steps.length - 1;
    // Steps that ran out of time while nobody asked are skipped; the next begins when they ended.
    while (state.index < last) {
      const { ms } = state.steps[state.index];
      if (ms === undefined || now - state.startedAt < ms) break;
      state.startedAt += ms;
      state.index += 1;
      state.served = 0;
    }
    const step = state.steps[state.index];
    state.served += 1;
    if (state.index < last && step.requests !== undefined && state.served >= step.requests) {
      state.index += 1;
      state.served = 0;
      state.startedAt = now;
    }
    return step.body;
  }

  /** Keeps the token out of anything recorded, even if a client puts it in the URL. */
  #redact(text: string): string {
    return redactSecret(text, this.#token);
  }
}
