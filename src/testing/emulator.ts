/**
 * A local CoreWeave Inference API (`GET /v1alpha1/inference/deployments/{id}`) for offline tests:
 * scripted deployments, injectable faults, a request log, and a JSON control API on the same port.
 * It depends on nothing but Node's `http` so it runs anywhere the package does.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { OutgoingHttpHeaders } from "node:http";
import type { Socket } from "node:net";
import { GRPC_CODE_NAMES, grpcCodeForHttpStatus, redactSecret } from "../api/errors";
import type { GetDeploymentResponseJson } from "../api/schema";
import { deploymentFixture } from "./fixtures";

/** The bearer token the emulator accepts unless given another. A test value, not a secret. */
export const DEFAULT_EMULATOR_TOKEN = "emulator-token";

/** Environment variables read by the emulator CLI (`npm run emulator`). */
export const EMULATOR_ENV = {
  token: "COREWEAVE_EMULATOR_TOKEN",
  port: "COREWEAVE_EMULATOR_PORT",
  fixtures: "COREWEAVE_EMULATOR_FIXTURES",
} as const;

/** The CLI prints this followed by the base URL, on one stdout line, once it is listening. */
export const LISTENING_LINE_PREFIX = "CoreWeave Inference API emulator listening on ";

/** Largest request body the control API reads. */
const MAX_CONTROL_BODY_BYTES = 5 * 1024 * 1024;

/** The only address the emulator listens on (see {@link CoreweaveEmulator}). */
const HOST = "127.0.0.1";

/** Any JSON value. */
export type JsonValue =
  string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** The `deployment` object of a `GetDeployment` answer, as sent on the wire. */
export type WireDeployment = GetDeploymentResponseJson["deployment"];

/** One `deployment.status.conditions[]` entry, as sent on the wire. */
export type WireCondition = NonNullable<
  NonNullable<WireDeployment["status"]>["conditions"]
>[number];

/** One stage of a {@link SteppedScenario}. */
export interface ScenarioStep {
  /** Served as `{"deployment": ...}`. Any JSON, so a step can serve a broken deployment too. */
  readonly deployment: WireDeployment | JsonValue;
  /**
   * Serve this step for this many GETs of the deployment, then move on. Requests answered by a
   * fault count only if the fault serves the deployment (slowHeaders, slowBody, malformed,
   * oversized).
   */
  readonly requests?: number;
  /** Serve this step for this many milliseconds after it began, then move on. */
  readonly ms?: number;
}

/** A deployment served unchanged. `deploymentFixture(id)` is one. */
export interface StaticScenario {
  readonly deployment: WireDeployment;
}

/**
 * A deployment that changes over requests or time (e.g. CREATING -> READY). A step ends after
 * `requests` answers or `ms` milliseconds, whichever comes first; the last step lasts forever.
 * Every step but the last needs `requests` or `ms`.
 */
export interface SteppedScenario {
  readonly steps: readonly ScenarioStep[];
}

/** What the emulator serves for one deployment ID. */
export type Scenario = StaticScenario | SteppedScenario;

/** Fields shared by all faults. */
export interface FaultTarget {
  /** Only requests for this deployment ID trigger the fault; any ID when absent. */
  readonly deploymentId?: string;
  /**
   * How many requests the fault applies to: a positive integer, or `-1` for every request from
   * now on ("forever").
   * @default 1
   */
  readonly times?: number;
}

/** Answers with an HTTP error and a `google.rpc.Status` body. */
export interface StatusFault extends FaultTarget {
  readonly type: "status";
  /** 400-599. */
  readonly httpStatus: number;
  /** The body's `code`; derived from `httpStatus` when absent (503 -> 14 UNAVAILABLE, ...). */
  readonly grpcCode?: number;
  readonly message?: string;
  /** The body's `details`; a `google.rpc.ErrorInfo` when absent. */
  readonly details?: readonly { readonly [key: string]: JsonValue }[];
  /** Sent as the `Retry-After` header. */
  readonly retryAfter?: string;
}

/** Waits `delayMs` before sending anything, then answers normally. */
export interface SlowHeadersFault extends FaultTarget {
  readonly type: "slowHeaders";
  readonly delayMs: number;
}

/** Sends the headers and half the normal body, waits `delayMs`, then sends the rest. */
export interface SlowBodyFault extends FaultTarget {
  readonly type: "slowBody";
  readonly delayMs: number;
}

/** Never answers, until the client goes away or the emulator stops. */
export interface HangFault extends FaultTarget {
  readonly type: "hang";
}

/** Resets the connection without answering. */
export interface ResetFault extends FaultTarget {
  readonly type: "reset";
}

/** 200 `application/json` with the deployment body cut in half. */
export interface MalformedFault extends FaultTarget {
  readonly type: "malformed";
}

/**
 * 200 with a valid deployment body padded to `bytes` bytes (never below its unpadded size) by an
 * unknown top-level field. Sent chunked, without `content-length`, so only a client that counts
 * bytes while reading stops it.
 */
export interface OversizedFault extends FaultTarget {
  readonly type: "oversized";
  readonly bytes: number;
}

/** 200 with `{"deployment":{"spec":{"id":<id>,"gatewayIds":"not-a-list"}}}`. */
export interface SchemaInvalidFault extends FaultTarget {
  readonly type: "schemaInvalid";
}

/** Answers with exactly this status and body. */
export interface BodyFault extends FaultTarget {
  readonly type: "body";
  /** 200-599. */
  readonly httpStatus: number;
  readonly body: string;
  /** @default "application/json" */
  readonly contentType?: string;
}

/** A misbehaviour to apply to upcoming `GET`s of deployments. */
export type Fault =
  | StatusFault
  | SlowHeadersFault
  | SlowBodyFault
  | HangFault
  | ResetFault
  | MalformedFault
  | OversizedFault
  | SchemaInvalidFault
  | BodyFault;

/** The `type` of a {@link Fault}. */
export type FaultType = Fault["type"];

/** How a request authenticated. The token itself is never recorded. */
export type AuthState = "ok" | "missing" | "invalid";

/** One API request (control API requests are not logged). */
export interface RequestLogEntry {
  /** Increases by one per request for the life of the emulator. */
  readonly seq: number;
  /** When the request arrived (ISO 8601). */
  readonly time: string;
  readonly method: string;
  /** The URL path, without the query string. */
  readonly path: string;
  /** The decoded ID, for requests to the deployments path. */
  readonly deploymentId?: string;
  readonly auth: AuthState;
  /** The HTTP status sent; absent when none was (reset, hang, client gone first). */
  readonly status?: number;
  /** The fault applied to this request, if any. */
  readonly fault?: FaultType;
}

/** Options of {@link CoreweaveEmulator}. */
export interface CoreweaveEmulatorOptions {
  /**
   * The accepted bearer token.
   * @default "emulator-token" ({@link DEFAULT_EMULATOR_TOKEN})
   */
  readonly token?: string;
  /**
   * The port on 127.0.0.1 to listen on; 0 picks any free port.
   * @default 0
   */
  readonly port?: number;
  /** Deployments to serve from the start, by ID. */
  readonly deployments?: Readonly<Record<string, Scenario>>;
}

/** Invalid input to the emulator (a scenario, a fault, a control request). */
export class EmulatorInputError extends TypeError {
  /** The HTTP status the control API answers with. */
  readonly httpStatus: number;

  constructor(message: string, httpStatus = 400) {
    super(message);
    this.name = "EmulatorInputError";
    this.httpStatus = httpStatus;
  }
}

const DEPLOYMENT_PATH = /^\/v1alpha1\/inference\/deployments\/([^/]+)$/;
const CONTROL_DEPLOYMENT_PATH = /^\/_emulator\/deployments\/([^/]+)$/;
const CONTROL_ROUTES =
  "PUT /_emulator/deployments/{id}, POST /_emulator/faults, GET|DELETE /_emulator/requests, " +
  "POST /_emulator/reset";
const ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo";
const RESOURCE_INFO = "type.googleapis.com/google.rpc.ResourceInfo";
const PADDING_CHUNK = "x".repeat(64 * 1024);

type GrpcCodeName = (typeof GRPC_CODE_NAMES)[number];

/** The number of a `google.rpc.Code`. */
const grpcCode = (name: GrpcCodeName): number => GRPC_CODE_NAMES.indexOf(name);

/** Control API statuses the canonical HTTP mapping lacks. */
const CONTROL_ERROR_CODES: Readonly<Record<number, GrpcCodeName>> = {
  405: "UNIMPLEMENTED",
  413: "INVALID_ARGUMENT",
};

interface StoredStep {
  /** The full response body, serialized once when the scenario is set. */
  readonly body: string;
  readonly requests?: number;
  readonly ms?: number;
}

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
  readonly #deployments = new Map<string, DeploymentState>();
  #faults: PendingFault[] = [];
  #log: MutableLogEntry[] = [];
  #seq = 0;
  #server: Server | undefined;
  #starting: Promise<string> | undefined;
  readonly #sockets = new Set<Socket>();

  constructor(options: CoreweaveEmulatorOptions = {}) {
    const token = options.token ?? DEFAULT_EMULATOR_TOKEN;
    if (typeof token !== "string" || !/^\S+$/.test(token)) {
      throw new EmulatorInputError("token must be a non-empty string without whitespace");
    }
    this.#token = token;
    this.#port = options.port ?? 0;
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

  /** The base URL. Throws unless started. */
  get url(): string {
    const address = this.#server?.address();
    if (!address || typeof address === "string") {
      throw new Error("CoreweaveEmulator is not listening; await start() first");
    }
    return `http://${HOST}:${address.port}`;
  }

  /** Serves `scenario` for `id` from now on, starting at its first step. */
  setDeployment(id: string, scenario: Scenario): void {
    if (typeof id !== "string" || id === "") {
      throw new EmulatorInputError("deployment ID must be a non-empty string");
    }
    const steps = parseScenario(scenario, `deployments[${JSON.stringify(id)}]`);
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
            `no control route ${pathname}; routes: ${CONTROL_ROUTES}`,
            404,
          );
      }
    } catch (error) {
      if (!(error instanceof EmulatorInputError)) throw error;
      // After an over-long body the rest of the upload is not read: close the connection.
      const headers = error.httpStatus === 413 ? { connection: "close" } : undefined;
      const code = CONTROL_ERROR_CODES[error.httpStatus] ?? grpcCodeForHttpStatus(error.httpStatus);
      writeBody(res, error.httpStatus, grpcStatus(code, error.message), headers);
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

function authState(header: string | undefined, token: string): AuthState {
  if (header === undefined || header.trim() === "") return "missing";
  const match = /^Bearer +(\S+) *$/i.exec(header);
  return match !== null && match[1] === token ? "ok" : "invalid";
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** A `google.rpc.Status` body; `code` is a name, or a number from a status fault. */
function grpcStatus(
  code: GrpcCodeName | number,
  message: string,
  details?: readonly unknown[],
): string {
  const number = typeof code === "number" ? code : grpcCode(code);
  return JSON.stringify({
    code: number,
    message,
    details: details ?? [
      {
        "@type": ERROR_INFO,
        reason: GRPC_CODE_NAMES[number] ?? "UNKNOWN",
        domain: "coreweave.com",
      },
    ],
  });
}

function statusFaultBody(fault: StatusFault): string {
  const code = fault.grpcCode ?? grpcCode(grpcCodeForHttpStatus(fault.httpStatus));
  const name = GRPC_CODE_NAMES[code] ?? `code ${code}`;
  return grpcStatus(code, fault.message ?? `emulated fault: ${name}`, fault.details);
}

/** Sends the status line and headers: JSON unless `headers` say otherwise; chunked without a length. */
function writeHead(
  res: ServerResponse,
  status: number,
  contentLength: number | undefined,
  headers: OutgoingHttpHeaders = {},
): void {
  res.writeHead(status, {
    "content-type": "application/json",
    ...(contentLength === undefined ? {} : { "content-length": contentLength }),
    ...headers,
  });
}

function writeBody(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  headers?: OutgoingHttpHeaders,
): void {
  writeHead(res, status, Buffer.byteLength(body), headers);
  res.end(body);
}

/**
 * Resolves true after `until` milliseconds, or once the response drains (`"drain"`); resolves
 * false instead as soon as the connection closes.
 */
function waitOrClose(res: ServerResponse, until: number | "drain"): Promise<boolean> {
  return new Promise((resolve) => {
    if (res.destroyed) {
      resolve(false);
      return;
    }
    const finish = (ok: boolean) => (): void => {
      clearTimeout(timer);
      res.off("drain", onReady);
      res.off("close", onClose);
      resolve(ok);
    };
    const onReady = finish(true);
    const onClose = finish(false);
    const timer = until === "drain" ? undefined : setTimeout(onReady, until);
    if (until === "drain") res.once("drain", onReady);
    res.once("close", onClose);
  });
}

/** Writes `parts` honouring backpressure; gives up quietly if the connection closes. */
async function streamBody(res: ServerResponse, parts: Iterable<string>): Promise<void> {
  for (const part of parts) {
    if (res.destroyed) return;
    if (!res.write(part) && !(await waitOrClose(res, "drain"))) return;
  }
  res.end();
}

function* paddingChunks(length: number): Generator<string> {
  for (let left = length; left > 0; left -= PADDING_CHUNK.length) {
    yield left >= PADDING_CHUNK.length ? PADDING_CHUNK : PADDING_CHUNK.slice(0, left);
  }
}

function expectMethod(req: IncomingMessage, allowed: readonly string[], pathname: string): void {
  if (!allowed.includes(req.method ?? "")) {
    throw new EmulatorInputError(`${pathname} accepts ${allowed.join(" or ")} only`, 405);
  }
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const tooLarge = (): EmulatorInputError =>
    new EmulatorInputError(`request body is larger than ${MAX_CONTROL_BODY_BYTES} bytes`, 413);
  if (Number(req.headers["content-length"]) > MAX_CONTROL_BODY_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_CONTROL_BODY_BYTES) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") throw new EmulatorInputError("request body is empty; expected JSON");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new EmulatorInputError(`request body is not valid JSON (${(error as Error).message})`);
  }
}

// --- Validation of scenarios and faults (they also arrive as JSON over the control API) ---

function invalid(path: string, problem: string): never {
  throw new EmulatorInputError(`${path} ${problem}`);
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  const type = typeof value;
  return `${/^[aeiou]/.test(type) ? "an" : "a"} ${type}`;
}

function asObject(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    invalid(path, `must be an object, got ${kindOf(value)}`);
  }
  return value as Record<string, unknown>;
}

/** Rejects unknown fields so that a typo (`delay` for `delayMs`) fails loudly. */
function checkFields(object: Record<string, unknown>, allowed: readonly string[], path: string) {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) {
      invalid(path, `has unknown field "${key}" (allowed: ${allowed.join(", ")})`);
    }
  }
}

/** Checks a field value that is present (not `undefined`); throws a message naming `path`. */
type Check = (value: unknown, path: string) => void;

/** What was wrong, when the value's kind says it (a valid-looking string says nothing). */
function got(value: unknown): string {
  if (typeof value === "number") return `, got ${value}`;
  return typeof value === "string" ? "" : `, got ${kindOf(value)}`;
}

const numberCheck =
  (valid: (n: number) => boolean, expected: string): Check =>
  (value, path) => {
    if (typeof value !== "number" || !valid(value))
      invalid(path, `must be ${expected}${got(value)}`);
  };

const stringCheck =
  (valid: (s: string) => boolean, expected: string): Check =>
  (value, path) => {
    if (typeof value !== "string" || !valid(value))
      invalid(path, `must be ${expected}${got(value)}`);
  };

const objectArrayCheck: Check = (value, path) => {
  if (!Array.isArray(value)) invalid(path, `must be an array of objects${got(value)}`);
  value.forEach((item: unknown, i) => asObject(item, `${path}[${i}]`));
};

function checkNumber(
  value: unknown,
  path: string,
  valid: (n: number) => boolean,
  expected: string,
): number | undefined {
  if (value !== undefined) numberCheck(valid, expected)(value, path);
  return value as number | undefined;
}

const isPositiveInteger = (n: number): boolean => Number.isSafeInteger(n) && n > 0;
const isDelay = (n: number): boolean => Number.isFinite(n) && n >= 0;
const isHeaderValue = (s: string): boolean => /^[\t\x20-\x7e]+$/.test(s);
const isStatusFrom =
  (min: number) =>
  (n: number): boolean =>
    Number.isInteger(n) && n >= min && n <= 599;

interface FieldRule {
  readonly required: boolean;
  readonly check: Check;
}
const required = (check: Check): FieldRule => ({ required: true, check });
const optional = (check: Check): FieldRule => ({ required: false, check });

/** The fields of the fault with this `type`, besides `type` and the {@link FaultTarget} ones. */
type OwnFaultField<T extends FaultType> = Exclude<
  keyof Extract<Fault, { type: T }>,
  "type" | keyof FaultTarget
>;

/** The fields every fault accepts. */
const TARGET_FIELDS: { readonly [K in keyof FaultTarget]-?: FieldRule } = {
  deploymentId: optional(stringCheck((s) => s !== "", "a non-empty string")),
  times: optional(
    numberCheck(
      (n) => n === -1 || isPositiveInteger(n),
      "a positive integer, or -1 for every request",
    ),
  ),
};

/**
 * The one list of fault types and their fields. Validation, required fields and the allowed-field
 * lists in error messages all derive from it; the type makes it name every field of every fault.
 */
const FAULT_FIELDS: {
  readonly [T in FaultType]: { readonly [K in OwnFaultField<T>]-?: FieldRule };
} = {
  status: {
    httpStatus: required(numberCheck(isStatusFrom(400), "an integer from 400 to 599")),
    grpcCode: optional(numberCheck(Number.isInteger, "an integer")),
    message: optional(stringCheck(() => true, "a string")),
    details: optional(objectArrayCheck),
    retryAfter: optional(stringCheck(isHeaderValue, "printable ASCII")),
  },
  slowHeaders: { delayMs: required(numberCheck(isDelay, "a non-negative number")) },
  slowBody: { delayMs: required(numberCheck(isDelay, "a non-negative number")) },
  hang: {},
  reset: {},
  malformed: {},
  oversized: { bytes: required(numberCheck(isPositiveInteger, "a positive integer")) },
  schemaInvalid: {},
  body: {
    httpStatus: required(numberCheck(isStatusFrom(200), "an integer from 200 to 599")),
    body: required(stringCheck(() => true, "a string")),
    contentType: optional(stringCheck(isHeaderValue, "printable ASCII")),
  },
};

function parseScenario(value: unknown, path: string): StoredStep[] {
  const scenario = asObject(value, path);
  if (!("steps" in scenario)) {
    checkFields(scenario, ["deployment"], path);
    return [{ body: responseBody(scenario.deployment, `${path}.deployment`) }];
  }
  checkFields(scenario, ["steps"], path);
  const { steps } = scenario;
  if (!Array.isArray(steps) || steps.length === 0) {
    invalid(`${path}.steps`, "must be a non-empty array");
  }
  return steps.map((raw: unknown, i) => {
    const stepPath = `${path}.steps[${i}]`;
    const step = asObject(raw, stepPath);
    checkFields(step, ["deployment", "requests", "ms"], stepPath);
    const requests = checkNumber(
      step.requests,
      `${stepPath}.requests`,
      isPositiveInteger,
      "a positive integer",
    );
    const ms = checkNumber(step.ms, `${stepPath}.ms`, isDelay, "a non-negative number");
    if (i < steps.length - 1 && requests === undefined && ms === undefined) {
      invalid(stepPath, 'needs "requests" or "ms": only the last step is served forever');
    }
    return { body: responseBody(step.deployment, `${stepPath}.deployment`), requests, ms };
  });
}

function responseBody(deployment: unknown, path: string): string {
  if (deployment === undefined) invalid(path, "is required");
  try {
    return JSON.stringify({ deployment });
  } catch (error) {
    invalid(path, `is not JSON-serializable (${(error as Error).message})`);
  }
}

function parseFault(value: unknown): Fault {
  const fault = asObject(value, "fault");
  const { type } = fault;
  if (typeof type !== "string" || !Object.hasOwn(FAULT_FIELDS, type)) {
    invalid("fault.type", `must be one of ${Object.keys(FAULT_FIELDS).join(", ")}`);
  }
  const rules: Readonly<Record<string, FieldRule>> = {
    ...TARGET_FIELDS,
    ...FAULT_FIELDS[type as FaultType],
  };
  checkFields(fault, ["type", ...Object.keys(rules)], `fault (${type})`);
  for (const [field, rule] of Object.entries(rules)) {
    const path = `fault.${field}`;
    if (fault[field] !== undefined) rule.check(fault[field], path);
    else if (rule.required) invalid(path, "is required");
  }
  // A copy, so the caller changing its object later cannot change a queued fault.
  return structuredClone(fault) as unknown as Fault;
}
