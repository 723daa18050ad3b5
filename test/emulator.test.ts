import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { request } from "undici";
import { parseGetDeploymentResponse } from "../src/api/schema";
import {
  CoreweaveEmulator,
  deploymentFixture,
  demoScenarios,
  startEmulatorProcess,
  type EmulatorProcess,
  type Fault,
  type Scenario,
} from "../src/testing";
import { CONTROL_ROUTES } from "../src/testing/emulator";
import { checkFixtureDeployments } from "../src/testing/emulator-validation";

const TOKEN = "test-token-123";
const AUTH = { authorization: `Bearer ${TOKEN}` };

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

async function call(
  base: string,
  path: string,
  init: {
    method?: "GET" | "POST" | "PUT" | "DELETE";
    headers?: Record<string, string>;
    body?: string;
  } = {},
): Promise<Answer> {
  const response = await request(`${base}${path}`, init);
  return {
    status: response.statusCode,
    headers: response.headers,
    text: await response.body.text(),
  };
}

const getDeployment = (base: string, id: string, headers: Record<string, string> = AUTH) =>
  call(base, `/v1alpha1/inference/deployments/${encodeURIComponent(id)}`, { headers });

/**
 * The local addresses listening on TCP `port`, read from the kernel's socket table (Linux):
 * what the server really bound, whatever URL it reports.
 */
function listeningAddresses(port: number): string[] {
  const LISTEN = "0A";
  const addresses: string[] = [];
  for (const [file, decode] of [
    ["/proc/net/tcp", decodeIPv4],
    ["/proc/net/tcp6", decodeIPv6],
  ] as const) {
    for (const line of readFileSync(file, "utf8").trim().split("\n").slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      const [hexAddress, hexPort] = local.split(":");
      if (state === LISTEN && parseInt(hexPort, 16) === port) addresses.push(decode(hexAddress));
    }
  }
  return addresses;
}

/** `0100007F` -> `127.0.0.1`: the kernel prints the address as a little-endian 32-bit word. */
function decodeIPv4(hex: string): string {
  return (hex.match(/../g) ?? [])
    .reverse()
    .map((byte) => parseInt(byte, 16))
    .join(".");
}

/** Four little-endian 32-bit words; enough to tell `::`, `::1` and others apart. */
function decodeIPv6(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((word) => (word.match(/../g) ?? []).reverse());
  const groups = (bytes.join("").match(/.{4}/g) ?? []).map((group) =>
    parseInt(group, 16).toString(16),
  );
  return groups.join(":");
}

/** This machine's addresses that are not loopback (link-local ones need a scope: left out). */
function otherLocalAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((addresses) => addresses ?? [])
    .filter(({ internal, address }) => !internal && !address.startsWith("fe80:"))
    .map(({ address }) => address);
}

/** Resolves the error code of a TCP connection attempt, or "connected". */
function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(2_000, () => {
      socket.destroy();
      resolve("timeout");
    });
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
  });
}

/** Fails unless only loopback can reach `url`'s port. */
async function expectLoopbackOnly(url: string): Promise<void> {
  const port = Number(new URL(url).port);
  expect(url).toBe(`http://127.0.0.1:${port}`);
  if (process.platform === "linux") {
    expect(listeningAddresses(port)).toEqual(["127.0.0.1"]);
  }
  // From any other address of this machine nothing answers (on 0.0.0.0 or :: it would).
  for (const address of otherLocalAddresses()) {
    expect([address, await tryConnect(address, port)]).toEqual([address, "ECONNREFUSED"]);
  }
}

/** Median milliseconds of `runs` sequential calls. */
async function medianMs(runs: number, call: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await call();
    samples.push(performance.now() - started);
  }
  return samples.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

const statusOf = (answer: Answer): unknown => {
  const parsed = parseGetDeploymentResponse(JSON.parse(answer.text));
  if (!parsed.ok) throw new Error(`unexpected invalid body: ${JSON.stringify(parsed.violations)}`);
  return parsed.deployment.status.status;
};

describe("deploymentFixture", () => {
  it("builds a complete READY body that the client schema accepts", () => {
    const body = deploymentFixture("dep-1");
    const parsed = parseGetDeploymentResponse(body);
    expect(parsed.ok).toBe(true);
    expect(body.deployment.spec).toMatchObject({
      id: "dep-1",
      resources: { instanceType: "gd-8xh100ib-i128", gpuCount: 8 },
      runtime: { engine: "vllm" },
      disabled: false,
    });
    expect(body.deployment.spec.gatewayIds).toHaveLength(2);
    expect(body.deployment.status?.status).toBe("STATUS_READY");
    expect(body.deployment.status?.conditions?.map((c) => [c.type, c.status, c.zone])).toEqual([
      ["Ready", "True", "US-EAST-04A"],
      ["Progressing", "True", "US-EAST-04A"],
    ]);
    // Fixed timestamps keep snapshots stable.
    expect(deploymentFixture("dep-1")).toEqual(body);
  });

  it("replaces overridden fields and returns independent objects", () => {
    const gatewayIds = ["gw-a"];
    const body = deploymentFixture("dep-2", {
      status: "STATUS_CREATING",
      disabled: true,
      gatewayIds,
    });
    gatewayIds.push("gw-b");
    expect(body.deployment.spec.gatewayIds).toEqual(["gw-a"]);
    expect(body.deployment.spec.disabled).toBe(true);
    expect(body.deployment.status?.status).toBe("STATUS_CREATING");
  });
});

describe("CoreweaveEmulator", () => {
  let emulator: CoreweaveEmulator;
  let base: string;

  beforeEach(async () => {
    emulator = new CoreweaveEmulator({
      token: TOKEN,
      deployments: { "dep-ready": deploymentFixture("dep-ready") },
    });
    base = await emulator.start();
  });

  afterEach(async () => {
    await emulator.stop();
  });

  it("listens on loopback only", async () => {
    expect(emulator.url).toBe(base);
    await expectLoopbackOnly(base);
  });

  describe("latencyMs", () => {
    it("delays every API answer by that much, and never the control API", async () => {
      const slow = new CoreweaveEmulator({
        token: TOKEN,
        latencyMs: 50,
        deployments: { "dep-ready": deploymentFixture("dep-ready") },
      });
      const slowBase = await slow.start();
      try {
        const plain = await medianMs(5, () => getDeployment(base, "dep-ready"));
        const delayed = await medianMs(5, () => getDeployment(slowBase, "dep-ready"));
        const control = await medianMs(5, () => call(slowBase, "/_emulator/requests"));
        // Ratios, not exact times: the machines are shared.
        expect(delayed).toBeGreaterThanOrEqual(48);
        expect(plain).toBeLessThan(delayed / 2);
        expect(control).toBeLessThan(delayed / 2);
        // Errors wait too, like any answer of a distant server.
        const started = performance.now();
        expect((await getDeployment(slowBase, "dep-ready", {})).status).toBe(401);
        expect((await getDeployment(slowBase, "missing")).status).toBe(404);
        expect(performance.now() - started).toBeGreaterThanOrEqual(96);
        expect(slow.requestLog().map((entry) => entry.status)).toEqual([
          200, 200, 200, 200, 200, 401, 404,
        ]);
      } finally {
        await slow.stop();
      }
    });

    it("answers nothing to a client that gave up while it waited", async () => {
      const slow = new CoreweaveEmulator({ token: TOKEN, latencyMs: 300 });
      const slowBase = await slow.start();
      try {
        await expect(
          request(`${slowBase}/v1alpha1/inference/deployments/dep-ready`, {
            headers: AUTH,
            signal: AbortSignal.timeout(50),
          }),
        ).rejects.toThrow();
        await new Promise((resolve) => setTimeout(resolve, 350));
        expect(slow.requestLog()).toEqual([
          expect.not.objectContaining({ status: expect.anything() }),
        ]);
      } finally {
        await slow.stop();
      }
    });

    it.each([-1, Infinity, 2 ** 31, "50"])("refuses latencyMs %p", (latencyMs) => {
      expect(() => new CoreweaveEmulator({ latencyMs: latencyMs as number })).toThrow(
        /^latencyMs must be a number of milliseconds from 0 to 2147483647/,
      );
    });
  });

  describe("auth", () => {
    it("rejects a missing or wrong token with google.rpc.Status code 16", async () => {
      const attempts: Record<string, string>[] = [
        {},
        { authorization: "Bearer wrong" },
        { authorization: TOKEN },
      ];
      for (const headers of attempts) {
        const answer = await getDeployment(base, "dep-ready", headers);
        expect(answer.status).toBe(401);
        expect(JSON.parse(answer.text)).toMatchObject({
          code: 16,
          message: "missing or invalid bearer token",
        });
      }
      expect(emulator.requestLog().map((entry) => entry.auth)).toEqual([
        "missing",
        "invalid",
        "invalid",
      ]);
    });

    it("serves the deployment for the right token and never records the token", async () => {
      const answer = await getDeployment(base, "dep-ready");
      expect(answer.status).toBe(200);
      expect(answer.headers["content-type"]).toBe("application/json");
      expect(JSON.parse(answer.text)).toEqual(deploymentFixture("dep-ready"));
      await call(base, `/v1alpha1/inference/deployments/x?token=${TOKEN}`, { headers: AUTH });
      await call(base, `/v1alpha1/${TOKEN}`, { headers: AUTH });

      const log = emulator.requestLog();
      expect(log[0]).toMatchObject({
        seq: 1,
        method: "GET",
        path: "/v1alpha1/inference/deployments/dep-ready",
        deploymentId: "dep-ready",
        auth: "ok",
        status: 200,
      });
      expect(new Date(log[0].time).toISOString()).toBe(log[0].time);
      expect(JSON.stringify(log)).not.toContain(TOKEN);
    });
  });

  describe("routing", () => {
    it("answers an unknown deployment with 404 and a ResourceInfo detail", async () => {
      const answer = await getDeployment(base, "no such/id");
      expect(answer.status).toBe(404);
      expect(JSON.parse(answer.text)).toEqual({
        code: 5,
        message: "deployment no such/id not found",
        details: [
          {
            "@type": "type.googleapis.com/google.rpc.ResourceInfo",
            resourceType: "deployment",
            resourceName: "no such/id",
          },
        ],
      });
      expect(emulator.requestLog()[0].deploymentId).toBe("no such/id");
    });

    it("answers other paths with 404 and other methods with 405", async () => {
      const other = await call(base, "/v1/something", { headers: AUTH });
      expect(other.status).toBe(404);
      expect(JSON.parse(other.text).code).toBe(5);

      const post = await call(base, "/v1alpha1/inference/deployments/dep-ready", {
        method: "POST",
        headers: AUTH,
      });
      expect(post.status).toBe(405);
      expect(post.headers.allow).toBe("GET");
      expect(JSON.parse(post.text).code).toBe(12);
    });
  });

  describe("scenarios", () => {
    it("moves through steps by request count and stays on the last step", async () => {
      emulator.setDeployment("dep-roll", {
        steps: [
          { ...deploymentFixture("dep-roll", { status: "STATUS_CREATING" }), requests: 2 },
          { ...deploymentFixture("dep-roll", { status: "STATUS_UPDATING" }), requests: 1 },
          deploymentFixture("dep-roll"),
        ],
      });
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push(statusOf(await getDeployment(base, "dep-roll")));
      expect(statuses).toEqual([
        "STATUS_CREATING",
        "STATUS_CREATING",
        "STATUS_UPDATING",
        "STATUS_READY",
        "STATUS_READY",
      ]);
    });

    it("moves through steps by time", async () => {
      emulator.setDeployment("dep-timed", {
        steps: [
          { ...deploymentFixture("dep-timed", { status: "STATUS_CREATING" }), ms: 100 },
          deploymentFixture("dep-timed"),
        ],
      });
      expect(statusOf(await getDeployment(base, "dep-timed"))).toBe("STATUS_CREATING");
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(statusOf(await getDeployment(base, "dep-timed"))).toBe("STATUS_READY");
    });

    it("counts a step's ms from when it began: the scenario set, or the end of the step before", async () => {
      const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
      // Nobody asks for 250 ms: the first step began when the scenario was set and ended at
      // 100 ms, the second began then and ended at 200 ms, though neither was ever served.
      emulator.setDeployment("dep-unasked", {
        steps: [
          { ...deploymentFixture("dep-unasked", { status: "STATUS_CREATING" }), ms: 100 },
          { ...deploymentFixture("dep-unasked", { status: "STATUS_UPDATING" }), ms: 100 },
          deploymentFixture("dep-unasked"),
        ],
      });
      await sleep(250);
      expect(statusOf(await getDeployment(base, "dep-unasked"))).toBe("STATUS_READY");
      // After a step of `requests`, the next began with the answer that ended it (0 ms), not
      // when it was first served (150 ms): at 350 ms its 300 ms are over.
      emulator.setDeployment("dep-counted", {
        steps: [
          { ...deploymentFixture("dep-counted", { status: "STATUS_CREATING" }), requests: 1 },
          { ...deploymentFixture("dep-counted", { status: "STATUS_UPDATING" }), ms: 300 },
          deploymentFixture("dep-counted"),
        ],
      });
      expect(statusOf(await getDeployment(base, "dep-counted"))).toBe("STATUS_CREATING");
      await sleep(150);
      expect(statusOf(await getDeployment(base, "dep-counted"))).toBe("STATUS_UPDATING");
      await sleep(200);
      expect(statusOf(await getDeployment(base, "dep-counted"))).toBe("STATUS_READY");
    });

    it("serves the demo scenarios, including the CREATING -> READY rollout", async () => {
      // What the CLI serves without a fixtures file passes the check of one.
      expect(() => checkFixtureDeployments(demoScenarios())).not.toThrow();
      for (const [id, scenario] of Object.entries(demoScenarios())) {
        emulator.setDeployment(id, scenario);
      }
      expect(statusOf(await getDeployment(base, "demo-failed"))).toBe("STATUS_FAILED");
      const creating = JSON.parse((await getDeployment(base, "demo-creating")).text);
      expect(creating.deployment.status.conditions[0]).toMatchObject({
        type: "Ready",
        status: "False",
        reason: "ModelLoading",
        message: "Downloading weights from CAIOS",
      });
      const rollout = [];
      for (let i = 0; i < 3; i++) rollout.push(statusOf(await getDeployment(base, "demo-rollout")));
      expect(rollout).toEqual(["STATUS_CREATING", "STATUS_CREATING", "STATUS_READY"]);
    });

    it("accepts and ignores a `readiness` beside a deployment, as `get --json` prints it", async () => {
      // Deliberately wrong: what is served decides readiness, never this.
      const recorded = { ...deploymentFixture("dep-rec"), readiness: { ready: false } };
      emulator.setDeployment("dep-rec", recorded);
      expect(JSON.parse((await getDeployment(base, "dep-rec")).text)).toEqual(
        deploymentFixture("dep-rec"),
      );
      emulator.setDeployment("dep-rec", { steps: [{ ...recorded, requests: 1 }, recorded] });
      expect(statusOf(await getDeployment(base, "dep-rec"))).toBe("STATUS_READY");
      expect(() => emulator.setDeployment("x", { ...recorded, readyness: {} } as Scenario)).toThrow(
        'deployments["x"] has unknown field "readyness" (allowed: deployment and readiness, or steps)',
      );
      expect(() =>
        emulator.setDeployment("x", { steps: [recorded], deployment: recorded.deployment }),
      ).toThrow(
        'deployments["x"] has both "steps" and "deployment" (allowed: deployment and readiness, or steps)',
      );
    });

    it("rejects invalid scenarios with a message naming the field", () => {
      expect(() =>
        emulator.setDeployment("x", {
          steps: [{ deployment: {}, requests: 0 }, { deployment: {} }],
        }),
      ).toThrow('deployments["x"].steps[0].requests must be a positive integer');
      expect(() =>
        emulator.setDeployment("x", { steps: [{ deployment: {} }, { deployment: {} }] }),
      ).toThrow('deployments["x"].steps[0] needs "requests" or "ms"');
    });
  });

  describe("faults", () => {
    it("status: answers the status, Retry-After and a google.rpc.Status body, `times` times", async () => {
      emulator.addFault({ type: "status", httpStatus: 503, retryAfter: "2", times: 2 });
      for (let i = 0; i < 2; i++) {
        const answer = await getDeployment(base, "dep-ready");
        expect(answer.status).toBe(503);
        expect(answer.headers["retry-after"]).toBe("2");
        const body = JSON.parse(answer.text);
        expect(body.code).toBe(14);
        expect(body.details[0]["@type"]).toBe("type.googleapis.com/google.rpc.ErrorInfo");
      }
      expect((await getDeployment(base, "dep-ready")).status).toBe(200);
      expect(emulator.requestLog().map((entry) => [entry.status, entry.fault])).toEqual([
        [503, "status"],
        [503, "status"],
        [200, undefined],
      ]);
    });

    it("status: derives gRPC codes and honours deploymentId and times -1", async () => {
      emulator.setDeployment("other", deploymentFixture("other"));
      emulator.addFault({ type: "status", httpStatus: 429, deploymentId: "other", times: -1 });
      expect((await getDeployment(base, "dep-ready")).status).toBe(200);
      for (let i = 0; i < 3; i++) {
        const answer = await getDeployment(base, "other");
        expect(answer.status).toBe(429);
        expect(JSON.parse(answer.text).code).toBe(8);
      }
    });

    it("slowHeaders: delays the whole answer", async () => {
      emulator.addFault({ type: "slowHeaders", delayMs: 150 });
      const started = performance.now();
      const answer = await getDeployment(base, "dep-ready");
      expect(performance.now() - started).toBeGreaterThanOrEqual(145);
      expect(answer.status).toBe(200);
      expect(statusOf(answer)).toBe("STATUS_READY");
    });

    it("slowBody: sends headers and half the body, then the rest after the delay", async () => {
      emulator.addFault({ type: "slowBody", delayMs: 200 });
      const started = performance.now();
      const response = await request(`${base}/v1alpha1/inference/deployments/dep-ready`, {
        headers: AUTH,
      });
      const headersAfter = performance.now() - started;
      const text = await response.body.text();
      expect(headersAfter).toBeLessThan(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(195);
      expect(response.statusCode).toBe(200);
      expect(Number(response.headers["content-length"])).toBe(Buffer.byteLength(text));
      expect(JSON.parse(text)).toEqual(deploymentFixture("dep-ready"));
    });

    it("hang: never answers, and stop() still closes the hung connection", async () => {
      emulator.addFault({ type: "hang" });
      await expect(
        request(`${base}/v1alpha1/inference/deployments/dep-ready`, {
          headers: AUTH,
          signal: AbortSignal.timeout(100),
        }),
      ).rejects.toThrow();
      emulator.addFault({ type: "hang" });
      const pending = request(`${base}/v1alpha1/inference/deployments/dep-ready`, {
        headers: AUTH,
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      await emulator.stop();
      await expect(pending).rejects.toThrow();
      expect(emulator.requestLog().map((entry) => [entry.fault, entry.status])).toEqual([
        ["hang", undefined],
        ["hang", undefined],
      ]);
    });

    it("reset: drops the connection without an answer", async () => {
      emulator.addFault({ type: "reset" });
      await expect(getDeployment(base, "dep-ready")).rejects.toMatchObject({
        code: expect.stringMatching(/ECONNRESET|UND_ERR_SOCKET/),
      });
      expect(emulator.requestLog()[0]).not.toHaveProperty("status");
      expect((await getDeployment(base, "dep-ready")).status).toBe(200);
    });

    it("malformed: answers 200 JSON that does not parse", async () => {
      emulator.addFault({ type: "malformed" });
      const answer = await getDeployment(base, "dep-ready");
      expect(answer.status).toBe(200);
      expect(answer.headers["content-type"]).toBe("application/json");
      expect(answer.text.length).toBeGreaterThan(0);
      expect(JSON.stringify(deploymentFixture("dep-ready")).startsWith(answer.text)).toBe(true);
      expect(() => JSON.parse(answer.text)).toThrow(SyntaxError);
    });

    it("oversized: streams a valid deployment padded to the requested size", async () => {
      emulator.addFault({ type: "oversized", bytes: 300_000 });
      const answer = await getDeployment(base, "dep-ready");
      expect(answer.status).toBe(200);
      expect(answer.headers["content-length"]).toBeUndefined();
      expect(Buffer.byteLength(answer.text)).toBe(300_000);
      expect(statusOf(answer)).toBe("STATUS_READY");
    });

    it("schemaInvalid: answers a body the client schema rejects", async () => {
      emulator.addFault({ type: "schemaInvalid" });
      const answer = await getDeployment(base, "dep-ready");
      expect(answer.status).toBe(200);
      const body = JSON.parse(answer.text);
      expect(body).toEqual({ deployment: { spec: { id: "dep-ready", gatewayIds: "not-a-list" } } });
      const parsed = parseGetDeploymentResponse(body);
      expect(parsed.ok).toBe(false);
      expect(!parsed.ok && parsed.violations.map((v) => v.path)).toContain(
        "deployment.spec.gatewayIds",
      );
    });

    it("body: answers the raw status, body and content type", async () => {
      emulator.addFault({
        type: "body",
        httpStatus: 502,
        body: "<html>bad gateway</html>",
        contentType: "text/html",
      });
      const answer = await getDeployment(base, "dep-ready");
      expect(answer).toMatchObject({ status: 502, text: "<html>bad gateway</html>" });
      expect(answer.headers["content-type"]).toBe("text/html");
    });

    it.each<[string, unknown, string]>([
      [
        "a bad value",
        { type: "slowHeaders", delayMs: -1 },
        "fault.delayMs must be a non-negative number, got -1",
      ],
      [
        "an unknown type",
        { type: "nope" },
        "fault.type must be one of status, slowHeaders, slowBody, hang",
      ],
      [
        "times: Infinity",
        { type: "hang", times: Infinity },
        "fault.times must be a positive integer, or -1 for every request, got Infinity",
      ],
      ["times: 0", { type: "hang", times: 0 }, "fault.times must be a positive integer, or -1"],
      ["times: 1.5", { type: "hang", times: 1.5 }, "fault.times must be a positive integer, or -1"],
      ["a missing required field", { type: "oversized" }, "fault.bytes is required"],
      ["the second required field", { type: "body", httpStatus: 200 }, "fault.body is required"],
      [
        "another type's field",
        { type: "hang", delayMs: 5 },
        'fault (hang) has unknown field "delayMs" (allowed: type, deploymentId, times)',
      ],
      [
        "a field of the wrong kind",
        { type: "status", httpStatus: 500, details: {} },
        "fault.details must be an array of objects, got an object",
      ],
      [
        "a status out of range",
        { type: "status", httpStatus: 200 },
        "fault.httpStatus must be an integer from 400 to 599, got 200",
      ],
    ])("rejects %s with a message naming the field", (_, fault, message) => {
      expect(() => emulator.addFault(fault as Fault)).toThrow(message);
      expect(emulator.requestLog()).toEqual([]);
    });

    it("accepts every optional field of a fault", async () => {
      emulator.addFault({
        type: "status",
        httpStatus: 500,
        grpcCode: 10,
        message: "custom",
        details: [{ "@type": "x" }],
        retryAfter: "1",
        deploymentId: "dep-ready",
        times: 1,
      });
      const answer = await getDeployment(base, "dep-ready");
      expect(answer.status).toBe(500);
      expect(JSON.parse(answer.text)).toEqual({
        code: 10,
        message: "custom",
        details: [{ "@type": "x" }],
      });
    });
  });

  describe("control API", () => {
    it("sets deployments, queues faults, reads and clears the log, resets", async () => {
      const put = await call(base, "/_emulator/deployments/dep%2Fnew", {
        method: "PUT",
        body: JSON.stringify(deploymentFixture("dep/new", { status: "STATUS_ERROR" })),
      });
      expect(put.status).toBe(200);
      expect(statusOf(await getDeployment(base, "dep/new"))).toBe("STATUS_ERROR");

      const fault = await call(base, "/_emulator/faults", {
        method: "POST",
        body: JSON.stringify({ type: "status", httpStatus: 500, times: -1 }),
      });
      expect(fault.status).toBe(200);
      expect((await getDeployment(base, "dep/new")).status).toBe(500);
      expect((await getDeployment(base, "dep/new")).status).toBe(500);

      const log = JSON.parse((await call(base, "/_emulator/requests")).text);
      expect(log.requests.map((entry: { status: number }) => entry.status)).toEqual([
        200, 500, 500,
      ]);

      expect((await call(base, "/_emulator/requests", { method: "DELETE" })).status).toBe(200);
      expect(emulator.requestLog()).toEqual([]);

      expect((await call(base, "/_emulator/reset", { method: "POST" })).status).toBe(200);
      expect((await getDeployment(base, "dep/new")).status).toBe(404);
      expect((await getDeployment(base, "dep-ready")).status).toBe(404);
    });

    it.each([
      ["PUT", "/_emulator/deployments/x", "{not json", "request body is not valid JSON"],
      ["PUT", "/_emulator/deployments/x", "", "request body is empty"],
      ["PUT", "/_emulator/deployments/x", '{"deployment":{},"extra":1}', 'unknown field "extra"'],
      ["PUT", "/_emulator/deployments/x", '{"steps":[]}', "steps must be a non-empty array"],
      ["POST", "/_emulator/faults", '{"type":"explode"}', "fault.type must be one of"],
      ["POST", "/_emulator/faults", '{"type":"status"}', "fault.httpStatus is required"],
      ["POST", "/_emulator/faults", '{"type":"hang","times":0}', "fault.times must be"],
      // JSON has no Infinity: JSON.stringify sends null, which is refused too.
      [
        "POST",
        "/_emulator/faults",
        '{"type":"hang","times":null}',
        "fault.times must be a positive integer, or -1",
      ],
      ["POST", "/_emulator/faults", '{"type":"oversized"}', "fault.bytes is required"],
    ] as const)("%s %s %s -> 400", async (method, path, body, message) => {
      const answer = await call(base, path, { method, body });
      expect(answer.status).toBe(400);
      const status = JSON.parse(answer.text);
      expect(status.code).toBe(3);
      expect(status.message).toContain(message);
    });

    it("serves every route of CONTROL_ROUTES, which --help and the README list", async () => {
      const bodies: Readonly<Record<string, unknown>> = {
        "/_emulator/deployments/{id}": deploymentFixture("dep-x"),
        "/_emulator/faults": { type: "hang", deploymentId: "nobody" },
      };
      for (const { method, path } of CONTROL_ROUTES) {
        const body = path in bodies ? JSON.stringify(bodies[path]) : undefined;
        const answer = await call(base, path.replace("{id}", "dep-x"), { method, body });
        expect([method, path, answer.status]).toEqual([method, path, 200]);
      }
    });

    it("rejects wrong methods, unknown routes and oversized bodies", async () => {
      const wrongMethod = await call(base, "/_emulator/faults");
      expect(wrongMethod.status).toBe(405);
      expect(JSON.parse(wrongMethod.text)).toMatchObject({
        code: 12,
        message: "/_emulator/faults accepts POST only",
      });
      const unknown = await call(base, "/_emulator/nothing", { method: "POST" });
      expect(unknown.status).toBe(404);
      expect(JSON.parse(unknown.text).code).toBe(5);
      const huge = await call(base, "/_emulator/faults", {
        method: "POST",
        body: "x".repeat(5 * 1024 * 1024 + 1),
      });
      expect(huge.status).toBe(413);
      expect(huge.headers.connection).toBe("close");
      expect(JSON.parse(huge.text)).toMatchObject({
        code: 3,
        message: "request body is larger than 5242880 bytes",
      });
    });
  });
});

describe("startEmulatorProcess", () => {
  let emulator: EmulatorProcess | undefined;

  afterEach(async () => {
    await emulator?.stop();
    emulator = undefined;
  });

  it("runs the emulator in a child process driven over the control API", async () => {
    emulator = await startEmulatorProcess({
      token: TOKEN,
      deployments: { "dep-a": deploymentFixture("dep-a") },
    });
    await expectLoopbackOnly(emulator.url);
    expect(emulator.token).toBe(TOKEN);
    expect(statusOf(await getDeployment(emulator.url, "dep-a"))).toBe("STATUS_READY");

    await emulator.setDeployment("dep-b", {
      steps: [
        { ...deploymentFixture("dep-b", { status: "STATUS_CREATING" }), requests: 1 },
        deploymentFixture("dep-b"),
      ],
    });
    expect(statusOf(await getDeployment(emulator.url, "dep-b"))).toBe("STATUS_CREATING");
    expect(statusOf(await getDeployment(emulator.url, "dep-b"))).toBe("STATUS_READY");

    await emulator.addFault({
      type: "status",
      httpStatus: 403,
      deploymentId: "dep-a",
      times: -1,
    });
    expect((await getDeployment(emulator.url, "dep-a")).status).toBe(403);
    expect((await getDeployment(emulator.url, "dep-a")).status).toBe(403);

    const log = await emulator.requestLog();
    expect(log.map((entry) => [entry.deploymentId, entry.status])).toEqual([
      ["dep-a", 200],
      ["dep-b", 200],
      ["dep-b", 200],
      ["dep-a", 403],
      ["dep-a", 403],
    ]);
    expect(JSON.stringify(log)).not.toContain(TOKEN);

    await emulator.clearRequestLog();
    expect(await emulator.requestLog()).toEqual([]);
    await emulator.reset();
    expect((await getDeployment(emulator.url, "dep-b")).status).toBe(404);

    await expect(emulator.setDeployment("bad", { steps: [] })).rejects.toThrow(
      /HTTP 400.*steps must be a non-empty array/,
    );
    // JSON has no Infinity: only -1 means "every request".
    await expect(emulator.addFault({ type: "hang", times: Infinity })).rejects.toThrow(
      /HTTP 400.*fault\.times must be a positive integer, or -1 for every request, got null/,
    );

    const { url } = emulator;
    await emulator.stop();
    await expect(getDeployment(url, "dep-a")).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  it("passes latencyMs to the child", async () => {
    emulator = await startEmulatorProcess({
      token: TOKEN,
      latencyMs: 60,
      deployments: { "dep-a": deploymentFixture("dep-a") },
    });
    const started = performance.now();
    expect((await getDeployment(emulator.url, "dep-a")).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(58);
  });

  it("serves its deployments option as CoreweaveEmulator does: answers the client refuses too", async () => {
    // Not checked as a fixtures file is, though it reaches the child as one.
    emulator = await startEmulatorProcess({
      token: TOKEN,
      deployments: {
        "dep-a": deploymentFixture("dep-other"),
        "dep-b": deploymentFixture("dep-b", { status: "READY" }),
      },
    });
    expect(JSON.parse((await getDeployment(emulator.url, "dep-a")).text)).toEqual(
      deploymentFixture("dep-other"),
    );
    expect(statusOf(await getDeployment(emulator.url, "dep-b"))).toBe("READY");
  });

  it("fails with the child's stderr when the emulator cannot start", async () => {
    await expect(startEmulatorProcess({ port: 70000 })).rejects.toThrow(
      /exited \(code 2\) before listening.*COREWEAVE_EMULATOR_PORT must be an integer/,
    );
  });
});
