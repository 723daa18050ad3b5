/**
 * The emulator's public types: what it serves (scenarios), how it misbehaves on request (faults),
 * what it records (the request log), and its options. Type declarations only, so that fixtures
 * and the child-process helper can use them without loading the server.
 */
import type { GetDeploymentResponseJson } from "../api/deployment";

export type { WireCondition } from "../api/deployment";

/** Any JSON value. */
export type JsonValue =
  string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** The `deployment` object of a `GetDeployment` answer, as sent on the wire. */
export type WireDeployment = GetDeploymentResponseJson["deployment"];

/** One stage of a {@link SteppedScenario}. */
export interface ScenarioStep {
  /** Served as `{"deployment": ...}`. Any JSON, so a step can serve a broken deployment too. */
  readonly deployment: WireDeployment | JsonValue;
  /** Ignored: see {@link StaticScenario.readiness}. */
  readonly readiness?: JsonValue;
  /**
   * Serve this step for this many GETs of the deployment, then move on. Requests answered by a
   * fault count only if the fault serves the deployment (slowHeaders, slowBody, malformed,
   * oversized).
   */
  readonly requests?: number;
  /** Serve this step for this many milliseconds after it began, then move on. */
  readonly ms?: number;
}

/**
 * A deployment served unchanged. `deploymentFixture(id)` is one, and so is what
 * `coreweave-inference get <id> --json` prints: record a deployment once, serve it from then on.
 */
export interface StaticScenario {
  readonly deployment: WireDeployment;
  /**
   * Ignored. `get --json` prints it beside the deployment; it is derived from the deployment, so
   * what clients make of the served deployment decides readiness, never this.
   */
  readonly readiness?: JsonValue;
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

/** Options of `CoreweaveEmulator`, and of `startEmulatorProcess`. */
export interface CoreweaveEmulatorOptions {
  /**
   * The accepted bearer token.
   * @default "emulator-token" (`DEFAULT_EMULATOR_TOKEN`)
   */
  readonly token?: string;
  /**
   * The port on 127.0.0.1 to listen on; 0 picks any free port.
   * @default 0
   */
  readonly port?: number;
  /**
   * Deployments to serve from the start, by ID.
   * @default {} (the emulator starts empty)
   */
  readonly deployments?: Readonly<Record<string, Scenario>>;
  /**
   * Milliseconds every API request waits before it is answered, to stand in for the network and
   * server time of the real API (benchmarks use 50). Faults add their own delays on top. The
   * control API (`/_emulator/...`) is never delayed.
   * @default 0
   */
  readonly latencyMs?: number;
}
