/**
 * `CoreweaveDeploymentData` over HTTP: the default `LiveDeploymentSource` against the emulator
 * in a child process (the lookup blocks the synth thread, so the server cannot share it).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";
import { TerraformOutput, TerraformStack, Testing } from "cdktf";
import { CoreweaveDeploymentData, DeploymentReadinessGate, LiveDeploymentSource } from "../src";
import {
  ConfigurationError,
  DeploymentNotFoundError,
  InvalidDeploymentIdError,
  InvalidResponseError,
  PermissionDeniedError,
  ServerError,
  UnauthenticatedError,
  WaitTimeoutError,
} from "../src/client";
import { deploymentFixture, startEmulatorProcess, type EmulatorProcess } from "../src/testing";
import { walk } from "./support/files";
import { lookupFailure } from "./support/failures";

const TOKEN = "cw-synth-secret-5d41402a";
let emulator: EmulatorProcess;

beforeAll(async () => {
  emulator = await startEmulatorProcess({ token: TOKEN });
});
afterAll(() => emulator.stop());
beforeEach(async () => {
  await emulator.reset();
  await emulator.clearRequestLog();
  LiveDeploymentSource.shared.clearCache();
});

function lookup(scope: TerraformStack, id: string, deploymentId: string, apiToken = TOKEN) {
  return new CoreweaveDeploymentData(scope, id, { deploymentId, endpoint: emulator.url, apiToken });
}

it("sends one request for the same ID looked up twice in one process", async () => {
  await emulator.setDeployment("dep-twice", deploymentFixture("dep-twice"));
  const stack = new TerraformStack(Testing.app(), "s");
  lookup(stack, "a", "dep-twice");
  lookup(stack, "b", "dep-twice");
  const gets = (await emulator.requestLog()).filter((e) => e.deploymentId === "dep-twice");
  expect(gets).toHaveLength(1);
});

describe("the answer cache is per token", () => {
  const WRONG = "cw-wrong-token-9f86d081";

  /** The emulator's answers to requests for `id`, by whether the token was the right one. */
  async function auths(id: string): Promise<string[]> {
    const log = await emulator.requestLog();
    return log.filter((e) => e.deploymentId === id).map((e) => `${e.auth} ${e.status}`);
  }

  it("answers the right token, then refuses a wrong one, each from the API once", async () => {
    await emulator.setDeployment("dep-tok-a", deploymentFixture("dep-tok-a"));
    const stack = new TerraformStack(Testing.app(), "s");
    expect(lookup(stack, "right", "dep-tok-a").isReady).toBe(true);
    const wrong = lookupFailure(() => lookup(stack, "wrong", "dep-tok-a", WRONG));
    expect(wrong.reason).toBeInstanceOf(UnauthenticatedError);
    expect(wrong.message).not.toContain(WRONG);
    // Each token's answer is cached for that token only.
    expect(lookup(stack, "right-again", "dep-tok-a").isReady).toBe(true);
    expect(lookupFailure(() => lookup(stack, "wrong-again", "dep-tok-a", WRONG)).reason).toBe(
      wrong.reason,
    );
    expect(await auths("dep-tok-a")).toEqual(["ok 200", "invalid 401"]);
  });

  it("refuses a wrong token, then answers the right one", async () => {
    await emulator.setDeployment("dep-tok-b", deploymentFixture("dep-tok-b"));
    const source = new LiveDeploymentSource();
    const ask = (apiToken: string) =>
      source.lookup([
        { deploymentId: "dep-tok-b", connection: { endpoint: emulator.url, apiToken } },
      ])[0];
    const wrong = ask(WRONG);
    expect(!wrong.ok && wrong.error).toBeInstanceOf(UnauthenticatedError);
    const right = ask(TOKEN);
    expect(right.ok && right.deployment.spec.id).toBe("dep-tok-b");
    // The same token twice is answered from the cache: the same answer, no request.
    expect(ask(TOKEN)).toBe(right);
    expect(ask(` ${TOKEN}\n`)).toBe(right); // the token as resolved: surrounding space dropped
    expect(ask(WRONG)).toBe(wrong);
    expect(await auths("dep-tok-b")).toEqual(["invalid 401", "ok 200"]);
    // What the source holds is no token: neither shows in it, however deep it is inspected.
    const shown = inspect(source, { depth: Infinity, showHidden: true });
    expect(shown).not.toContain(TOKEN);
    expect(shown).not.toContain(WRONG);
  });

  it("keys the cache by a fingerprint that is not the token (read from the source's private cache)", async () => {
    await emulator.setDeployment("dep-tok-c", deploymentFixture("dep-tok-c"));
    // The cache is a private field: util.inspect cannot see it, the inspector protocol can. It
    // runs in a child process, whose main context the protocol evaluates in (jest's is another).
    const script = `
      const inspector = require("node:inspector");
      const { LiveDeploymentSource } = require("./src");
      const source = new LiveDeploymentSource();
      for (const apiToken of [process.env.RIGHT, process.env.WRONG]) {
        source.lookup([{ deploymentId: "dep-tok-c", connection: { endpoint: process.env.URL, apiToken } }]);
      }
      const session = new inspector.Session();
      session.connect();
      const post = (method, params) => {
        let answer, failure;
        session.post(method, params, (error, result) => ((failure = error), (answer = result)));
        if (failure) throw failure;
        return answer;
      };
      const props = (objectId) => post("Runtime.getProperties", { objectId, ownProperties: true });
      globalThis.source = source;
      const found = post("Runtime.evaluate", { expression: "globalThis.source" }).result;
      const cache = props(found.objectId).privateProperties.find((p) => p.name === "#cache").value;
      const entries = props(cache.objectId).internalProperties.find((p) => p.name === "[[Entries]]");
      const keys = props(entries.value.objectId)
        .result.filter((item) => item.value && item.value.subtype === "internal#entry")
        .map((item) => props(item.value.objectId).result.find((p) => p.name === "key").value.value);
      process.stdout.write(JSON.stringify(keys));`;
    const run = spawnSync(process.execPath, ["--require", "tsx/cjs", "-e", script], {
      cwd: join(__dirname, ".."),
      encoding: "utf8",
      env: { ...process.env, URL: emulator.url, RIGHT: TOKEN, WRONG },
      timeout: 60_000,
    });
    expect(run.stderr).toBe("");
    const keys = JSON.parse(run.stdout) as string[];
    expect(keys).toHaveLength(2);
    const [right, wrong] = keys.map((key) => key.split("\u0000"));
    expect(right[0]).toBe(new URL(emulator.url).href);
    expect(right[2]).toBe("dep-tok-c");
    expect(right[1]).toMatch(/^[\w-]{43}$/); // HMAC-SHA-256, base64url
    expect(right[1]).not.toBe(wrong[1]);
    for (const key of keys) {
      expect(key).not.toContain(TOKEN);
      expect(key).not.toContain(WRONG);
    }
    expect(await auths("dep-tok-c")).toEqual(["ok 200", "invalid 401"]);
  });
});

it("answers a batch of lookups in one worker round trip, each ID once", async () => {
  const ids = ["b-1", "b-2", "b-3", "b-1"];
  for (const id of new Set(ids)) await emulator.setDeployment(id, deploymentFixture(id));
  const results = new LiveDeploymentSource().lookup(
    ids.map((deploymentId) => ({
      deploymentId,
      connection: { endpoint: emulator.url, apiToken: TOKEN },
    })),
  );
  expect(results.map((r) => r.ok && r.deployment.spec.id)).toEqual(ids);
  expect((await emulator.requestLog()).map((e) => e.deploymentId).sort()).toEqual([
    "b-1",
    "b-2",
    "b-3",
  ]);
});

it("fails synth with the API's answer, naming the construct path", () => {
  const stack = new TerraformStack(Testing.app(), "my-stack");
  const error = lookupFailure(() => lookup(stack, "missing-dep", "does-not-exist"));
  expect(error.message).toMatch(
    /^my-stack\/missing-dep: CoreWeave GET deployment "does-not-exist" failed: HTTP 404 NOT_FOUND/,
  );
  expect(error.reason).toBeInstanceOf(DeploymentNotFoundError);
  expect(inspect(error)).toBe(`[DeploymentLookupError: ${error.message}]`);
});

it("fails with a clear error, before any request, on a bad ID or a missing token", async () => {
  const stack = new TerraformStack(Testing.app(), "s");
  const badId = lookupFailure(() => lookup(stack, "bad", "../etc"));
  expect(badId.message).toMatch(/^s\/bad: Invalid CoreWeave deployment ID "..\/etc"/);
  expect(badId.reason).toBeInstanceOf(InvalidDeploymentIdError);

  const saved = process.env.COREWEAVE_API_TOKEN;
  delete process.env.COREWEAVE_API_TOKEN;
  try {
    const noToken = lookupFailure(() => lookup(stack, "no-token", "x", ""));
    expect(noToken.reason).toBeInstanceOf(ConfigurationError);
    expect(noToken.message).toMatch(
      /^s\/no-token: No CoreWeave API token: set COREWEAVE_API_TOKEN/,
    );
  } finally {
    if (saved !== undefined) process.env.COREWEAVE_API_TOKEN = saved;
  }
  expect(await emulator.requestLog()).toHaveLength(0);
});

it.each([
  ["attemptTimeoutMs", { attemptTimeoutMs: 0 }, "from 1 to 2147483647 (got 0)"],
  ["deadlineMs", { deadlineMs: 1.5 }, "from 1 to 2147483647 (got 1.5)"],
  ["maxRetries", { maxRetries: -1 }, "from 0 to 100 (got -1)"],
  ["maxResponseBytes", { maxResponseBytes: 0 }, ">= 1 (got 0)"],
])(
  "rejects a bad %s prop with ConfigurationError, before any request",
  async (name, prop, range) => {
    const stack = new TerraformStack(Testing.app(), "s");
    const error = lookupFailure(
      () =>
        new CoreweaveDeploymentData(stack, "dep", {
          deploymentId: "x",
          endpoint: emulator.url,
          apiToken: TOKEN,
          ...prop,
        }),
    );
    expect(error.reason).toBeInstanceOf(ConfigurationError);
    expect(error.message).toBe(`s/dep: ${name} must be an integer ${range}.`);
    expect(await emulator.requestLog()).toHaveLength(0);
  },
);

it("keeps the token out of cdktf.out, inspect output and errors", async () => {
  await emulator.setDeployment("dep-secret", deploymentFixture("dep-secret"));
  await emulator.addFault({
    type: "status",
    httpStatus: 403,
    message: `denied for ${TOKEN}`,
    deploymentId: "dep-denied",
  });
  const stack = new TerraformStack(Testing.app(), "secret-stack");
  const d = lookup(stack, "dep", "dep-secret");
  new DeploymentReadinessGate(stack, "gate", { deployment: d });
  new TerraformOutput(stack, "status", { value: d.status });
  const denied = lookupFailure(() => lookup(stack, "denied", "dep-denied"));
  const outdir = Testing.fullSynth(stack);
  for (const file of walk(outdir)) expect(readFileSync(file, "utf8")).not.toContain(TOKEN);
  expect(inspect(d, { depth: 6, showHidden: true })).not.toContain(TOKEN);
  expect(inspect(denied, { depth: 6, showHidden: true })).not.toContain(TOKEN);
  expect(denied.message).toContain("denied for [REDACTED]");
  expect(JSON.stringify(denied.reason)).not.toContain(TOKEN);
  expect(JSON.stringify(await emulator.requestLog())).not.toContain(TOKEN);
});

it("refuses a valid body that echoes the token, so it never reaches the stack", async () => {
  await emulator.setDeployment(
    "dep-echo",
    deploymentFixture("dep-echo", { name: `llama-${TOKEN}` }),
  );
  const stack = new TerraformStack(Testing.app(), "echo");
  const error = lookupFailure(() => lookup(stack, "dep", "dep-echo"));
  expect(error.reason).toBeInstanceOf(InvalidResponseError);
  expect(error.message).toContain("deployment.spec.name");
  expect(error.message).not.toContain(TOKEN);
  const outdir = Testing.fullSynth(stack);
  for (const file of walk(outdir)) expect(readFileSync(file, "utf8")).not.toContain(TOKEN);
});

describe("the wait prop tells a wrong endpoint from a slow rollout", () => {
  const waiting = (stack: TerraformStack, deploymentId: string) =>
    new CoreweaveDeploymentData(stack, "d", {
      deploymentId,
      endpoint: emulator.url,
      apiToken: TOKEN,
      wait: { timeoutMs: 1200, pollIntervalMs: 100 },
    });

  it("fails at once with the API's error on a 403", async () => {
    await emulator.setDeployment("dep-w403", deploymentFixture("dep-w403"));
    await emulator.addFault({ type: "status", httpStatus: 403, times: -1 });
    const started = Date.now();
    const error = lookupFailure(() => waiting(new TerraformStack(Testing.app(), "s"), "dep-w403"));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error.reason).toBeInstanceOf(PermissionDeniedError);
    expect(await emulator.requestLog()).toHaveLength(1);
  });

  it("fails with the last API error, not a wait timeout, when no poll read it", async () => {
    await emulator.setDeployment("dep-w503", deploymentFixture("dep-w503"));
    await emulator.addFault({ type: "status", httpStatus: 503, times: -1 });
    const error = lookupFailure(() => waiting(new TerraformStack(Testing.app(), "s"), "dep-w503"));
    expect(error.reason).toBeInstanceOf(ServerError);
    expect(error.reason).not.toBeInstanceOf(WaitTimeoutError);
    expect(error.message).toMatch(/"dep-w503" could not be read in .*the last error: .*HTTP 503/);
  });

  it("fails with WaitTimeoutError when it was read and is not ready", async () => {
    await emulator.setDeployment(
      "dep-wslow",
      deploymentFixture("dep-wslow", { status: "STATUS_CREATING" }),
    );
    const error = lookupFailure(() => waiting(new TerraformStack(Testing.app(), "s"), "dep-wslow"));
    expect(error.reason).toBeInstanceOf(WaitTimeoutError);
  });
});
