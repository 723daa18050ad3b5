import { inspect } from "node:util";
import { createServer, type Server, type Socket } from "node:net";
import {
  CoreweaveInferenceClient,
  type CoreweaveClientOptions,
} from "../src/api/coreweave-inference-client";
import {
  ApiConnectionError,
  ApiTimeoutError,
  ConfigurationError,
  CoreweaveApiError,
  DeploymentNotFoundError,
  InvalidArgumentError,
  InvalidDeploymentIdError,
  InvalidResponseError,
  PermissionDeniedError,
  RateLimitedError,
  ResponseTooLargeError,
  ServerError,
  UnauthenticatedError,
} from "../src/api/errors";
import { CoreweaveEmulator } from "../src/testing/emulator";
import { deploymentFixture } from "../src/testing/fixtures";
import { rejection } from "./support/failures";

const TOKEN = "cw-test-token-7f3a9c2e";
const ID = "dep-1";

let emulator: CoreweaveEmulator;
let url: string;
const clients: CoreweaveInferenceClient[] = [];

beforeAll(async () => {
  emulator = new CoreweaveEmulator({ token: TOKEN });
  url = await emulator.start();
});
afterAll(() => emulator.stop());
beforeEach(() => {
  emulator.reset();
  emulator.setDeployment(ID, { deployment: deploymentFixture(ID).deployment });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

/** A client with fast retries, so tests of retry behaviour stay short. */
function client(options: CoreweaveClientOptions = {}): CoreweaveInferenceClient {
  const c = new CoreweaveInferenceClient({
    endpoint: url,
    apiToken: TOKEN,
    env: {},
    retry: { initialDelayMs: 20, maxDelayMs: 50 },
    ...options,
  });
  clients.push(c);
  return c;
}

const gets = () => emulator.requestLog().filter((entry) => entry.path.includes("/deployments/"));

describe("CoreweaveInferenceClient against the emulator", () => {
  it("returns the validated deployment and sends the bearer token", async () => {
    const deployment = await client().getDeployment(ID);
    expect(deployment).toEqual(
      expect.objectContaining({ spec: expect.objectContaining({ id: ID }) }),
    );
    expect(deployment.spec.gatewayIds.length).toBeGreaterThan(0);
    expect(gets()).toEqual([
      expect.objectContaining({ auth: "ok", status: 200, deploymentId: ID }),
    ]);
  });

  it.each([
    [404, 5, DeploymentNotFoundError, "NOT_FOUND", /Check the deployment ID/],
    [403, 7, PermissionDeniedError, "PERMISSION_DENIED", /IAM access policy/],
    [400, 3, InvalidArgumentError, "INVALID_ARGUMENT", /check the deployment ID/],
    [409, 10, CoreweaveApiError, "ABORTED", /not retried/],
    [501, 12, ServerError, "UNIMPLEMENTED", /does not implement GET deployment \(not retried\)/],
  ])(
    "maps HTTP %i (gRPC %i) to %p without retrying",
    async (httpStatus, grpcCode, ErrorClass, code, advice) => {
      emulator.addFault({
        type: "status",
        httpStatus,
        grpcCode,
        message: `emulated ${httpStatus}`,
      });
      const error = await rejection(client().getDeployment(ID));
      expect(error).toBeInstanceOf(ErrorClass);
      expect(error.message).toContain(`deployment "${ID}"`);
      expect(error.message).toContain(`HTTP ${httpStatus} ${code}: emulated ${httpStatus}`);
      expect(error.message).toMatch(advice);
      expect(error).toMatchObject({ httpStatus, grpcCode: code, deploymentId: ID, attempts: 1 });
      expect(gets()).toHaveLength(1);
    },
  );

  it("maps an unknown deployment to DeploymentNotFoundError with the API's message", async () => {
    const error = await rejection(client().getDeployment("nope"));
    expect(error).toBeInstanceOf(DeploymentNotFoundError);
    expect(error.message).toMatch(/"nope" failed: HTTP 404 NOT_FOUND: .*not found/);
  });

  it("maps a wrong token to UnauthenticatedError that points at COREWEAVE_API_TOKEN", async () => {
    const error = await rejection(client({ apiToken: "wrong-token" }).getDeployment(ID));
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect(error.message).toMatch(/HTTP 401 UNAUTHENTICATED/);
    expect(error.message).toMatch(/Check COREWEAVE_API_TOKEN/);
    expect(error.message).not.toContain("wrong-token");
  });

  it("includes BadRequest field violations from google.rpc.Status details", async () => {
    emulator.addFault({
      type: "status",
      httpStatus: 400,
      message: "invalid id",
      details: [
        {
          "@type": "type.googleapis.com/google.rpc.BadRequest",
          fieldViolations: [{ field: "id", description: "must be a UUID" }],
        },
      ],
    });
    const error = await rejection(client().getDeployment(ID));
    expect(error.message).toContain("invalid id; id: must be a UUID");
  });

  it("retries 503 and recovers, counted in the request log", async () => {
    emulator.addFault({ type: "status", httpStatus: 503, times: 2 });
    const deployment = await client().getDeployment(ID);
    expect(deployment.spec.id).toBe(ID);
    expect(gets().map((entry) => entry.status)).toEqual([503, 503, 200]);
  });

  it("gives up on persistent 5xx after maxRetries with ServerError", async () => {
    emulator.addFault({ type: "status", httpStatus: 500, times: -1, message: "boom" });
    const error = await rejection(
      client({ maxRetries: 2, retry: { initialDelayMs: 1 } }).getDeployment(ID),
    );
    expect(error).toBeInstanceOf(ServerError);
    expect(error.message).toMatch(/HTTP 500 INTERNAL: boom.*Gave up after 3 attempts/);
    expect(gets()).toHaveLength(3);
  });

  it("honours Retry-After on 429", async () => {
    emulator.addFault({ type: "status", httpStatus: 429, retryAfter: "1" });
    const started = Date.now();
    await client().getDeployment(ID);
    const log = gets();
    expect(log.map((entry) => entry.status)).toEqual([429, 200]);
    // Our backoff would be 20-50 ms; the server asked for a second.
    expect(Date.parse(log[1].time) - Date.parse(log[0].time)).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("caps Retry-After, and reports RateLimitedError when 429 persists", async () => {
    emulator.addFault({ type: "status", httpStatus: 429, retryAfter: "3600", times: -1 });
    const started = Date.now();
    const error = await rejection(
      client({ maxRetries: 1, retry: { retryAfterCapMs: 100 } }).getDeployment(ID),
    );
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error.message).toMatch(/HTTP 429 RESOURCE_EXHAUSTED/);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(gets()).toHaveLength(2);
  });

  it("times out an attempt whose headers are slow, then retries", async () => {
    emulator.addFault({ type: "slowHeaders", delayMs: 600 });
    const deployment = await client({ attemptTimeoutMs: 200 }).getDeployment(ID);
    expect(deployment.spec.id).toBe(ID);
    expect(gets()).toHaveLength(2);
  });

  it("times out a slow body", async () => {
    emulator.addFault({ type: "slowBody", delayMs: 600, times: -1 });
    const error = await rejection(
      client({ attemptTimeoutMs: 200, maxRetries: 0 }).getDeployment(ID),
    );
    expect(error).toBeInstanceOf(ApiTimeoutError);
    expect(error.message).toMatch(/within 200 ms \(1 attempt\)/);
  });

  it("stops a hung server at the overall deadline", async () => {
    emulator.addFault({ type: "hang", times: -1 });
    const started = Date.now();
    const error = await rejection(
      client({ attemptTimeoutMs: 400, deadlineMs: 1_500 }).getDeployment(ID),
    );
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(ApiTimeoutError);
    expect(error.message).toMatch(/overall deadline of 1500 ms/);
    expect(elapsed).toBeGreaterThanOrEqual(1_000);
    expect(elapsed).toBeLessThan(4_000);
    expect(gets().length).toBeGreaterThanOrEqual(2);
  });

  it("bounds a hung server by default: 10 s per attempt, 60 s in all", async () => {
    // Defaults: no attemptTimeoutMs, maxRetries or backoff given (undefined counts as not given).
    // Only the deadline is shortened, to 13 s, so that the test can see an attempt cut at
    // 10 s, a retry, and the deadline, without waiting a minute.
    const make = (endpoint: string) => {
      const c = new CoreweaveInferenceClient({
        endpoint,
        apiToken: TOKEN,
        env: {},
        attemptTimeoutMs: undefined,
        deadlineMs: 13_000,
      });
      clients.push(c);
      return c;
    };
    // One server never answers; the other sends headers and then stalls the body.
    const silent = await rawServer(() => undefined);
    const stalled = await rawServer((socket) =>
      socket.write(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 99\r\n\r\n{",
      ),
    );
    try {
      const errors = await Promise.all(
        [silent, stalled].map((server) => rejection(make(server.url).getDeployment(ID))),
      );
      for (const [i, server] of [silent, stalled].entries()) {
        expect(errors[i]).toBeInstanceOf(ApiTimeoutError);
        expect(errors[i].message).toMatch(/within the overall deadline of 13000 ms \(2 attempts\)/);
        // Attempt 1 was cut by the 10 s attempt limit (not the 13 s deadline), then retried.
        const requests = server.connections.filter((c) => c.requestedAt !== undefined);
        expect(requests).toHaveLength(2);
        const [first, second] = requests;
        const firstLasted = (first.closedAt ?? Infinity) - (first.requestedAt ?? 0);
        expect(firstLasted).toBeGreaterThanOrEqual(9_500);
        expect(firstLasted).toBeLessThan(12_500);
        expect(second.requestedAt).toBeGreaterThanOrEqual(first.closedAt ?? Infinity);
      }
    } finally {
      await Promise.all([silent.close(), stalled.close()]);
    }
    // And the overall deadline, which "stops a hung server at the overall deadline" proves is
    // applied, defaults to a minute.
    const defaults = new CoreweaveInferenceClient({ endpoint: url, apiToken: TOKEN, env: {} });
    clients.push(defaults);
    expect(defaults).toMatchObject({ deadlineMs: 60_000, attemptTimeoutMs: 10_000, maxRetries: 4 });
  });

  it("refuses an oversized body at the cap, without retrying", async () => {
    emulator.addFault({ type: "oversized", bytes: 200_000 });
    const error = await rejection(client({ maxResponseBytes: 64 * 1024 }).getDeployment(ID));
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(error.message).toMatch(/exceeds 65536 bytes/);
    expect(gets()).toHaveLength(1);
  });

  it("judges an oversized error page by its status: a huge 503 is retried", async () => {
    emulator.addFault({ type: "body", httpStatus: 503, body: "<html>" + "x".repeat(100_000) });
    const deployment = await client({ maxResponseBytes: 10_000 }).getDeployment(ID);
    expect(deployment.spec.id).toBe(ID);
    expect(gets().map((entry) => entry.status)).toEqual([503, 200]);
  });

  it("reports a malformed body as InvalidResponseError", async () => {
    emulator.addFault({ type: "malformed" });
    const error = await rejection(client().getDeployment(ID));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toMatch(/"dep-1" returned HTTP 200 with an invalid body: it is not JSON/);
  });

  it("reports a schema-invalid body with the field path and the deployment ID", async () => {
    emulator.addFault({ type: "schemaInvalid" });
    const error = await rejection(client().getDeployment(ID));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toContain('deployment "dep-1"');
    expect(error.message).toContain("deployment.spec.gatewayIds must be array, got string");
    expect(error.message).not.toContain("not-a-list");
  });

  it("rejects an answer about another deployment", async () => {
    emulator.setDeployment(ID, { deployment: deploymentFixture("someone-else").deployment });
    const error = await rejection(client().getDeployment(ID));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toMatch(/describes a different deployment/);
  });

  it("retries a connection reset", async () => {
    emulator.addFault({ type: "reset" });
    await client().getDeployment(ID);
    expect(gets()).toHaveLength(2);
  });

  it("reports a refused connection as ApiConnectionError after retries", async () => {
    const closedPort = await freePort();
    const error = await rejection(
      client({
        endpoint: `http://127.0.0.1:${closedPort}`,
        maxRetries: 2,
        retry: { initialDelayMs: 1 },
      }).getDeployment(ID),
    );
    expect(error).toBeInstanceOf(ApiConnectionError);
    expect(error.message).toMatch(/could not reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
    expect(error.message).toMatch(/\(3 attempts\)/);
  });

  it.each(["", "a/b", "..", "bad\u0007id", "x".repeat(300), "dep-\uD800", "dep\u200B1"])(
    "rejects the bad ID %j before sending anything",
    async (badId) => {
      const error = await rejection(client().getDeployment(badId));
      expect(error).toBeInstanceOf(InvalidDeploymentIdError);
      expect(gets()).toHaveLength(0);
    },
  );

  it("path-encodes IDs", async () => {
    emulator.setDeployment("a b?c", { deployment: deploymentFixture("a b?c").deployment });
    await client().getDeployment("a b?c");
    expect(gets()[0].path).toBe("/v1alpha1/inference/deployments/a%20b%3Fc");
  });

  it("fails before any request without a token", () => {
    expect(() => new CoreweaveInferenceClient({ endpoint: url, env: {} })).toThrow(
      ConfigurationError,
    );
    expect(() => new CoreweaveInferenceClient({ endpoint: url, env: {} })).toThrow(
      /set COREWEAVE_API_TOKEN/,
    );
  });

  it("refuses to send the token over plain http to a non-loopback host", () => {
    expect(
      () => new CoreweaveInferenceClient({ endpoint: "http://example.com", apiToken: TOKEN }),
    ).toThrow(/unencrypted/);
  });

  it.each([
    ["attemptTimeoutMs", { attemptTimeoutMs: 0 }],
    ["deadlineMs", { deadlineMs: -1 }],
    ["maxResponseBytes", { maxResponseBytes: 1.5 }],
    ["maxRetries", { maxRetries: -1 }],
    ["retry.initialDelayMs", { retry: { initialDelayMs: -1 } }],
  ])("rejects a bad %s option", (name, options) => {
    expect(() => client(options as CoreweaveClientOptions)).toThrow(
      new RegExp(`^${name.replace(".", "\\.")} must be`),
    );
  });

  it("refuses the old retry.maxRetries instead of ignoring it", () => {
    expect(() => client({ retry: { maxRetries: 1 } } as CoreweaveClientOptions)).toThrow(
      /^retry\.maxRetries is not an option: set the retry count with the top-level maxRetries/,
    );
  });

  it("exposes the resolved options, one name each, and maxRetries inside the policy", () => {
    const c = client({ maxRetries: 2, attemptTimeoutMs: 1_234, deadlineMs: 5_678 });
    expect(c).toMatchObject({
      attemptTimeoutMs: 1_234,
      deadlineMs: 5_678,
      maxRetries: 2,
      maxResponseBytes: 1024 * 1024,
      retryPolicy: { maxRetries: 2, initialDelayMs: 20, maxDelayMs: 50, retryAfterCapMs: 30_000 },
    });
    expect(c.endpoint.href).toBe(`${url}/`);
  });

  it("treats an empty endpoint as not set: COREWEAVE_API_ENDPOINT still applies", async () => {
    const c = client({ endpoint: "", env: { COREWEAVE_API_ENDPOINT: url } });
    expect(c.endpoint.href).toBe(`${url}/`);
    await c.getDeployment(ID);
    expect(gets()).toHaveLength(1);
  });

  it("treats an empty apiToken as not set: COREWEAVE_API_TOKEN still applies", async () => {
    await client({ apiToken: "", env: { COREWEAVE_API_TOKEN: TOKEN } }).getDeployment(ID);
    expect(gets()).toEqual([expect.objectContaining({ auth: "ok", status: 200 })]);
  });

  it.each([
    ["a zero-width space", `${TOKEN.slice(0, 5)}\u200B${TOKEN.slice(5)}`, "6 is U+200B"],
    ["a euro sign", `${TOKEN}€`, `${TOKEN.length + 1} is U+20AC`],
  ])(
    "refuses a token with %s before any request, naming the position only",
    async (_what, token, where) => {
      let error: Error | undefined;
      try {
        await client({ apiToken: token }).getDeployment(ID);
      } catch (caught) {
        error = caught as Error;
      }
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error?.message).toContain(`character ${where}`);
      expect(error?.message).not.toContain(TOKEN.slice(0, 5));
      expect(error?.message).not.toContain(TOKEN.slice(5, 12));
      expect(emulator.requestLog()).toHaveLength(0);
    },
  );
});

describe("token redaction", () => {
  it("never shows the token in errors, their JSON or inspect output, or the client", async () => {
    emulator.addFault({
      type: "status",
      httpStatus: 403,
      message: `token ${TOKEN} may not read this`,
    });
    const c = client();
    const error = await rejection(c.getDeployment(ID));
    const views = [
      error.message,
      String(error.stack),
      inspect(error, { showHidden: true, depth: 10 }),
      JSON.stringify(error),
      inspect(c, { showHidden: true, depth: 10 }),
      JSON.stringify(c),
      JSON.stringify(emulator.requestLog()),
    ];
    for (const view of views) expect(view).not.toContain(TOKEN);
    expect(error.message).toContain("token [REDACTED] may not read this");
  });

  it("redacts before truncating, so no prefix of the token survives a cut", async () => {
    // The token straddles the 300-character cut of the API message.
    emulator.addFault({ type: "status", httpStatus: 403, message: `${"x".repeat(285)}${TOKEN}` });
    const error = await rejection(client().getDeployment(ID));
    expect(error.message).not.toContain(TOKEN.slice(0, 10));
    expect(JSON.stringify(error)).not.toContain(TOKEN.slice(0, 10));
  });

  it("redacts the token when a body echoes it as a map key", async () => {
    const body = deploymentFixture(ID);
    body.deployment!.spec!.runtime = { engine: "vllm", engineConfig: { [TOKEN]: 5 } as never };
    emulator.addFault({ type: "body", httpStatus: 200, body: JSON.stringify(body) });
    const error = await rejection(client().getDeployment(ID));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toContain("deployment.spec.runtime.engineConfig[");
    expect(error.message).not.toContain(TOKEN);
  });
});

describe("answers that cannot be used", () => {
  it("refuses a valid body that echoes the token, naming the field but not the value", async () => {
    const body = deploymentFixture(ID);
    body.deployment!.spec!.name = `llama ${TOKEN} prod`;
    emulator.setDeployment(ID, { deployment: body.deployment });
    const error = await rejection(client().getDeployment(ID));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toContain(
      'deployment "dep-1" returned HTTP 200 with an invalid body: deployment.spec.name contains the API token',
    );
    expect(error).toMatchObject({ attempts: 1, httpStatus: 200 });
    for (const view of [error.message, JSON.stringify(error), inspect(error)]) {
      expect(view).not.toContain(TOKEN);
      expect(view).not.toContain("llama");
    }
    expect(gets()).toHaveLength(1);
  });

  it("refuses a valid body with the token as a map key, redacted in the path", async () => {
    const body = deploymentFixture(ID);
    body.deployment!.spec!.runtime = { engine: "vllm", engineConfig: { [`x-${TOKEN}`]: "1" } };
    emulator.setDeployment(ID, { deployment: body.deployment });
    const error = await rejection(client().getDeployment(ID));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toContain(
      'deployment.spec.runtime.engineConfig["x-[REDACTED]"] contains the API token',
    );
    expect(error.message).not.toContain(TOKEN.slice(0, 8));
  });

  it("refuses the token in an unknown field too, since the body is untrusted", async () => {
    const body = { ...deploymentFixture(ID), echo: { headers: [`Bearer ${TOKEN}`] } };
    emulator.addFault({ type: "body", httpStatus: 200, body: JSON.stringify(body) });
    const error = await rejection(client().getDeployment(ID));
    expect(error.message).toContain("echo.headers[0] contains the API token");
  });

  it("says a number is out of range, not 'must be number, got number'", async () => {
    const body = JSON.stringify(deploymentFixture(ID)).replace(
      /"gpuCount":\d+/,
      '"gpuCount":1e400',
    );
    expect(body).toContain("1e400");
    emulator.addFault({ type: "body", httpStatus: 200, body });
    const error = await rejection(client().getDeployment(ID));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toContain(
      "deployment.spec.resources.gpuCount must be a finite number (got one too large to represent)",
    );
  });
});

interface RawServer {
  readonly url: string;
  /**
   * Server-side view of each connection, in the order they were accepted. undici may open a
   * connection it then sends nothing on: only those with `requestedAt` carried a request.
   */
  readonly connections: { openedAt: number; requestedAt?: number; closedAt?: number }[];
  close(): Promise<void>;
}

/** A TCP server on 127.0.0.1 that calls `answer` with the first bytes of each request. */
async function rawServer(answer: (socket: Socket) => void): Promise<RawServer> {
  const connections: RawServer["connections"] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    const entry: RawServer["connections"][number] = { openedAt: Date.now() };
    connections.push(entry);
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.once("close", () => {
      entry.closedAt = Date.now();
      sockets.delete(socket);
    });
    socket.once("data", () => {
      entry.requestedAt = Date.now();
      answer(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function freePort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("requests in flight and aborts", () => {
  it("fails a call that waited for a request slot its whole deadline as that, sending nothing", async () => {
    emulator.addFault({ type: "hang", times: 1 });
    const c = client({ maxConcurrentRequests: 1, deadlineMs: 2_000 });
    const hanging = c.getDeployment(ID).catch((error: unknown) => error);
    const queued = await rejection(c.getDeployment(ID, { deadlineMs: 300 }));
    expect(queued).toBeInstanceOf(ApiTimeoutError);
    expect(queued.message).toBe(
      `CoreWeave GET deployment "${ID}" timed out before its request was sent: all 1 of the ` +
        "client's request slots stayed busy for the whole deadline of 300 ms. Look up fewer " +
        "deployments at once, or raise the deadlineMs option.",
    );
    expect(queued.attempts).toBe(0);
    expect(gets()).toHaveLength(1);
    await hanging;
  });

  it("rejects with the signal's reason when aborted between retries, as when aborted in flight", async () => {
    emulator.addFault({ type: "status", httpStatus: 503, times: -1 });
    const c = client({ retry: { initialDelayMs: 1_000, maxDelayMs: 1_000 } });
    const abort = new AbortController();
    const reason = new Error("cancelled by the caller");
    const call = c.getDeployment(ID, { signal: abort.signal }).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 200));
    abort.abort(reason);
    expect(await call).toBe(reason);
  });
});
