/**
 * Lookup modes for a whole app (live, record, replay), scoped sources, prefetch and the `wait`
 * prop: real `App`s with validation, the default sources, and the emulator in a child process.
 */
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, TerraformStack } from "cdktf";
import {
  CoreweaveDeploymentData,
  DeploymentLookupError,
  LiveDeploymentSource,
  LookupNotRecordedError,
} from "../src";
import {
  ConfigurationError,
  DeploymentNotReadyError,
  DeploymentTerminalError,
  WaitTimeoutError,
} from "../src/client";
import {
  deploymentFixture,
  InMemoryDeploymentSource,
  startEmulatorProcess,
  type EmulatorProcess,
} from "../src/testing";
import type { Deployment } from "../src/client";
import { writeLookupFile } from "../src/lookup/lookup-file";
import { thrown } from "./support/failures";

const TOKEN = "cw-modes-secret-8c1e4b7d";
let emulator: EmulatorProcess;
const savedEnv = { ...process.env };
const temporaryDirs: string[] = [];

/** A new temporary folder, removed after the tests. */
function temporaryDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temporaryDirs.push(dir);
  return dir;
}

beforeAll(async () => {
  emulator = await startEmulatorProcess({
    token: TOKEN,
    deployments: Object.fromEntries(
      ["dep-1", "dep-2", "dep-3"].map((id) => [id, deploymentFixture(id)]),
    ),
  });
});
afterAll(async () => {
  await emulator.stop();
  for (const dir of temporaryDirs) rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await emulator.clearRequestLog();
  LiveDeploymentSource.shared.clearCache();
  process.env.COREWEAVE_API_ENDPOINT = emulator.url;
  process.env.COREWEAVE_API_TOKEN = TOKEN;
});
afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
});

function lookupFile(): string {
  return join(temporaryDir("cw-modes-"), "coreweave-lookups.json");
}

/** A lookup file holding `deploymentFixture(id)` for each ID, recorded at the time given. */
function recordedFile(recordedAt: Readonly<Record<string, string>>): string {
  const file = lookupFile();
  const deployments = Object.fromEntries(
    Object.entries(recordedAt).map(([id, at]) => [
      id,
      { recordedAt: at, endpoint: "https://api.coreweave.com/", ...deploymentFixture(id) },
    ]),
  );
  writeFileSync(file, JSON.stringify({ version: 1, deployments }));
  return file;
}

/** The error a synth of `ids` throws. */
function synthError(ids: readonly string[]): DeploymentLookupError {
  try {
    synthApp(ids);
  } catch (error) {
    if (error instanceof DeploymentLookupError) return error;
    throw error;
  }
  throw new Error("synth did not fail");
}

/** An app with one stack that reads `ids`, synthesized with validation (as `cdktf synth`). */
function synthApp(ids: readonly string[], context?: Record<string, unknown>) {
  const app = new App({ outdir: temporaryDir("cw-modes-out-"), context });
  const stack = new TerraformStack(app, "serving");
  const lookups = ids.map((id) => new CoreweaveDeploymentData(stack, id, { deploymentId: id }));
  app.synth();
  return lookups;
}

async function requests(): Promise<number> {
  return (await emulator.requestLog()).length;
}

describe("record, then replay", () => {
  it("records facts only, sorted, with their time; replays them with no token and no request", async () => {
    const file = lookupFile();
    process.env.COREWEAVE_LOOKUP_FILE = file;
    process.env.COREWEAVE_LOOKUP_MODE = "record";
    const before = Date.now();
    const [recorded] = synthApp(["dep-2", "dep-1"]);
    expect(await requests()).toBe(2);
    const text = readFileSync(file, "utf8");
    expect(text).not.toContain(TOKEN);
    const saved = JSON.parse(text);
    expect(saved.version).toBe(1);
    expect(Object.keys(saved.deployments)).toEqual(["dep-1", "dep-2"]);
    expect(Object.keys(saved.deployments["dep-1"])).toEqual([
      "deployment",
      "digest",
      "endpoint",
      "recordedAt",
    ]);
    expect(Date.parse(saved.deployments["dep-2"].recordedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(text).toBe(`${JSON.stringify(saved, null, 2)}\n`);

    // Each entry names the API it came from, normalized as the client resolves the endpoint.
    expect(saved.deployments["dep-1"].endpoint).toBe(new URL(emulator.url).href);

    await emulator.clearRequestLog();
    process.env.COREWEAVE_LOOKUP_MODE = "replay";
    delete process.env.COREWEAVE_API_TOKEN;
    LiveDeploymentSource.shared.clearCache();
    // Replay is configured for the same API (COREWEAVE_API_ENDPOINT stays the emulator's).
    const [replayed] = synthApp(["dep-2", "dep-1"]);
    expect(await requests()).toBe(0);
    expect(replayed.deployment).toEqual(recorded.deployment);
    expect(replayed.observedAt).toBe(saved.deployments["dep-2"].recordedAt);
  });

  it("replays unchanged entries without loading the schema, and validates an edited one in full", async () => {
    const file = lookupFile();
    writeLookupFile(
      file,
      new Map(
        ["dep-1", "dep-2"].map((id) => [
          id,
          {
            recordedAt: new Date().toISOString(),
            endpoint: "https://api.coreweave.com/",
            deployment: deploymentFixture(id).deployment as Deployment,
          },
        ]),
      ),
    );
    const read = `const { readLookupFile } = require("./src/lookup/lookup-file");
      const entries = readLookupFile(${JSON.stringify(file)});
      const zod = Object.keys(require.cache).some((f) => /[\\/]node_modules[\\/]zod[\\/]/.test(f));
      process.stdout.write(JSON.stringify({ ids: [...entries.keys()], zod }));`;
    const run = () =>
      spawnSync(process.execPath, ["--require", "tsx/cjs", "-e", read], {
        cwd: join(__dirname, ".."),
        encoding: "utf8",
      });
    expect(JSON.parse(run().stdout)).toEqual({ ids: ["dep-1", "dep-2"], zod: false });

    // A hand edit that keeps the digest: the entry no longer matches it, so it is checked.
    const saved = JSON.parse(readFileSync(file, "utf8"));
    saved.deployments["dep-2"].deployment.spec.gatewayIds = "gw-1";
    writeFileSync(file, JSON.stringify(saved));
    const edited = run();
    expect(edited.stderr).toMatch(
      /is not a CoreWeave lookup file: deployments\["dep-2"\]\.deployment\.spec\.gatewayIds must be array, got string/,
    );
  });

  it("fails synth once, listing every missing ID and the command that records them, whichever output is read first", () => {
    const file = lookupFile();
    writeFileSync(file, JSON.stringify({ version: 1, deployments: {} }));
    process.env.COREWEAVE_LOOKUP_FILE = file;
    process.env.COREWEAVE_LOOKUP_MODE = "replay";
    delete process.env.COREWEAVE_API_TOKEN;
    const stderr = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    let error: unknown;
    let printed: unknown[];
    try {
      const app = new App({ outdir: temporaryDir("cw-modes-out-") });
      const first = new TerraformStack(app, "first");
      const second = new TerraformStack(app, "second");
      const a = new CoreweaveDeploymentData(first, "a", { deploymentId: "dep-new-a" });
      // A required output of the first miss, read before the second lookup exists.
      expect(a.modelBucket).toBe("coreweave-not-recorded");
      expect(a.isReady).toBe(false);
      new CoreweaveDeploymentData(second, "b", { deploymentId: "dep-new-b" });
      new CoreweaveDeploymentData(second, "b-again", { deploymentId: "dep-new-b" });
      error = thrown(() => app.synth());
    } finally {
      printed = stderr.mock.calls.map(([text]) => text);
      stderr.mockRestore();
    }
    expect(error).toBeInstanceOf(LookupNotRecordedError);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toBe(
      'coreweave-lookups.json (replay mode) has no entry for 2 CoreWeave deployments: "dep-new-a", ' +
        '"dep-new-b". Record them with COREWEAVE_API_TOKEN set: npx coreweave-inference lookups ' +
        "record dep-new-a dep-new-b, or COREWEAVE_LOOKUP_MODE=record cdktf synth.",
    );
    // One line per missing ID, at once, in case the app's own code stops before synth.
    expect(printed).toEqual([
      'first/a: CoreWeave deployment "dep-new-a" is not recorded (replay mode); its outputs are ' +
        "placeholders until synth, which will fail listing every missing deployment.\n",
      'second/b: CoreWeave deployment "dep-new-b" is not recorded (replay mode); its outputs are ' +
        "placeholders until synth, which will fail listing every missing deployment.\n",
    ]);
  });

  it("takes the mode from cdktf context when the environment does not set it", async () => {
    const file = lookupFile();
    process.env.COREWEAVE_LOOKUP_FILE = file;
    synthApp(["dep-3"], { coreweaveLookupMode: "record" });
    expect(Object.keys(JSON.parse(readFileSync(file, "utf8")).deployments)).toEqual(["dep-3"]);
  });

  it("refuses an unknown mode, naming the variable", () => {
    process.env.COREWEAVE_LOOKUP_MODE = "offline";
    let error: unknown;
    try {
      synthApp(["dep-1"]);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DeploymentLookupError);
    expect((error as DeploymentLookupError).reason).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toBe(
      'serving/dep-1: COREWEAVE_LOOKUP_MODE is "offline"; use one of: live, record, replay.',
    );
  });
});

describe("replay of a time in the future", () => {
  beforeEach(() => {
    process.env.COREWEAVE_LOOKUP_MODE = "replay";
    delete process.env.COREWEAVE_API_TOKEN;
    // recordedFile's entries come from the default endpoint, which these lookups are configured for.
    delete process.env.COREWEAVE_API_ENDPOINT;
  });

  it("refuses an entry recorded in 2099, in one line naming the file, the entry, its time and the fix", async () => {
    const file = recordedFile({ "dep-1": "2099-01-01T00:00:00Z" });
    process.env.COREWEAVE_LOOKUP_FILE = file;
    const now = jest.spyOn(Date, "now").mockReturnValue(Date.parse("2026-06-01T12:00:00Z"));
    let error: DeploymentLookupError;
    try {
      error = synthError(["dep-1"]);
    } finally {
      now.mockRestore();
    }
    expect(error.reason).toBeInstanceOf(ConfigurationError);
    expect(error.reason.deploymentId).toBe("dep-1");
    expect(error.message).toBe(
      `serving/dep-1: ${file}: the entry for CoreWeave deployment "dep-1" has recordedAt ` +
        "2099-01-01T00:00:00.000Z, 26511d12h later than this machine's clock " +
        "(2026-06-01T12:00:00.000Z). A lookup time in the future would pass every freshness " +
        "check, so replay refuses it beyond 5m of clock skew. Record it again with " +
        "COREWEAVE_API_TOKEN set: npx coreweave-inference lookups record dep-1, or fix the clock " +
        "that is wrong (the recorder's or this machine's).",
    );
    expect(await requests()).toBe(0);
  });

  it("refuses an entry just beyond the clock skew, and a waiting lookup too", () => {
    const now = Date.now();
    const sixMinutesAhead = new Date(now + 6 * 60_000).toISOString();
    process.env.COREWEAVE_LOOKUP_FILE = recordedFile({ "dep-1": sixMinutesAhead });
    const clock = jest.spyOn(Date, "now").mockReturnValue(now);
    try {
      expect(synthError(["dep-1"]).message).toContain(
        `has recordedAt ${sixMinutesAhead}, 6m later than this machine's clock`,
      );
      const app = new App({ outdir: temporaryDir("cw-modes-out-") });
      expect(
        () =>
          new CoreweaveDeploymentData(new TerraformStack(app, "s"), "d", {
            deploymentId: "dep-1",
            wait: { timeoutMs: 60_000 },
          }),
      ).toThrow(`has recordedAt ${sixMinutesAhead}`);
    } finally {
      clock.mockRestore();
    }
  });

  it("replays an entry recorded a minute ago, and one a little ahead within the clock skew", () => {
    const minuteAgo = new Date(Date.now() - 60_000).toISOString();
    const twoMinutesAhead = new Date(Date.now() + 2 * 60_000).toISOString();
    process.env.COREWEAVE_LOOKUP_FILE = recordedFile({
      "dep-1": minuteAgo,
      "dep-2": twoMinutesAhead,
    });
    const [ago, ahead] = synthApp(["dep-1", "dep-2"]);
    expect(ago.observedAt).toBe(minuteAgo);
    expect(ago.isReady).toBe(true);
    expect(ahead.observedAt).toBe(twoMinutesAhead);
  });

  it("refuses only the entry in the future, so a good entry of the same file still replays", () => {
    const minuteAgo = new Date(Date.now() - 60_000).toISOString();
    process.env.COREWEAVE_LOOKUP_FILE = recordedFile({
      "dep-1": minuteAgo,
      "dep-2": "2099-01-01T00:00:00Z",
    });
    expect(synthApp(["dep-1"])[0].observedAt).toBe(minuteAgo);
    expect(synthError(["dep-2"]).message).toContain(
      'the entry for CoreWeave deployment "dep-2" has recordedAt 2099-01-01T00:00:00.000Z',
    );
  });
});

describe("replay only for the API an entry was recorded from", () => {
  beforeEach(() => {
    process.env.COREWEAVE_LOOKUP_MODE = "replay";
    delete process.env.COREWEAVE_API_TOKEN;
  });

  /** Records `ids` from the emulator with a record-mode synth; returns the lookup file. */
  function recordFromEmulator(ids: readonly string[]): string {
    const file = lookupFile();
    process.env.COREWEAVE_LOOKUP_FILE = file;
    process.env.COREWEAVE_LOOKUP_MODE = "record";
    process.env.COREWEAVE_API_TOKEN = TOKEN;
    synthApp(ids);
    process.env.COREWEAVE_LOOKUP_MODE = "replay";
    delete process.env.COREWEAVE_API_TOKEN;
    return file;
  }

  it("refuses an entry recorded from another endpoint, naming both and the fixes", async () => {
    const file = recordFromEmulator(["dep-1"]);
    const emulatorEndpoint = new URL(emulator.url).href;
    await emulator.clearRequestLog();
    delete process.env.COREWEAVE_API_ENDPOINT; // configured for the default API now
    const error = synthError(["dep-1"]);
    expect(error.reason).toBeInstanceOf(ConfigurationError);
    expect(error.reason).not.toBeInstanceOf(LookupNotRecordedError);
    expect(error.reason.deploymentId).toBe("dep-1");
    expect(error.message).toBe(
      `serving/dep-1: ${file}: the entry for CoreWeave deployment "dep-1" was recorded from ` +
        `${emulatorEndpoint}, not from https://api.coreweave.com/, the API endpoint this lookup ` +
        "is configured for; replay answers only from entries of the same API. Record it again " +
        "against this endpoint with COREWEAVE_API_TOKEN set: npx coreweave-inference lookups " +
        "record dep-1, or COREWEAVE_LOOKUP_MODE=record cdktf synth; or configure the endpoint it " +
        "was recorded from (the endpoint prop, or COREWEAVE_API_ENDPOINT).",
    );
    expect(await requests()).toBe(0);

    // The endpoint prop configures it as well as the variable does, either way.
    const app = new App({ outdir: temporaryDir("cw-modes-out-") });
    const stack = new TerraformStack(app, "s");
    const replayed = new CoreweaveDeploymentData(stack, "d", {
      deploymentId: "dep-1",
      endpoint: emulator.url,
    });
    expect(replayed.isReady).toBe(true);
    process.env.COREWEAVE_API_ENDPOINT = emulator.url;
    expect(
      () =>
        new CoreweaveDeploymentData(stack, "prod", {
          deploymentId: "dep-1",
          endpoint: "https://api.coreweave.com",
        }),
    ).toThrow(`was recorded from ${emulatorEndpoint}, not from https://api.coreweave.com/,`);
    expect(await requests()).toBe(0);
  });

  it("normalizes both endpoints the same way: case, default port, trailing slash", () => {
    process.env.COREWEAVE_LOOKUP_FILE = recordedFile({ "dep-1": new Date().toISOString() });
    const saved = JSON.parse(readFileSync(process.env.COREWEAVE_LOOKUP_FILE, "utf8"));
    saved.deployments["dep-1"].endpoint = "HTTPS://API.CoreWeave.com:443";
    writeFileSync(process.env.COREWEAVE_LOOKUP_FILE, JSON.stringify(saved));
    process.env.COREWEAVE_API_ENDPOINT = "https://api.coreweave.com/";
    expect(synthApp(["dep-1"])[0].isReady).toBe(true);
    process.env.COREWEAVE_API_ENDPOINT = "https://api.coreweave.com/staging";
    expect(synthError(["dep-1"]).message).toContain(
      "was recorded from https://api.coreweave.com/, not from https://api.coreweave.com/staging/,",
    );
  });

  it("refuses an entry whose endpoint is no endpoint, showing it as written", () => {
    process.env.COREWEAVE_LOOKUP_FILE = recordedFile({ "dep-1": new Date().toISOString() });
    const saved = JSON.parse(readFileSync(process.env.COREWEAVE_LOOKUP_FILE, "utf8"));
    saved.deployments["dep-1"].endpoint = "somewhere";
    writeFileSync(process.env.COREWEAVE_LOOKUP_FILE, JSON.stringify(saved));
    delete process.env.COREWEAVE_API_ENDPOINT;
    expect(synthError(["dep-1"]).message).toContain(
      'the entry for CoreWeave deployment "dep-1" was recorded from somewhere, not from ' +
        "https://api.coreweave.com/,",
    );
  });

  it("refuses a bad configured endpoint with its own error, before comparing", () => {
    process.env.COREWEAVE_LOOKUP_FILE = recordedFile({ "dep-1": new Date().toISOString() });
    process.env.COREWEAVE_API_ENDPOINT = "http://api.example.com";
    expect(synthError(["dep-1"]).message).toMatch(
      /^serving\/dep-1: COREWEAVE_API_ENDPOINT uses plain http to api\.example\.com;/,
    );
  });
});

describe("scoped sources", () => {
  it("uses the source set for an app, and only in that app", async () => {
    const source = new InMemoryDeploymentSource({ "dep-mem": deploymentFixture("dep-mem") });
    const testApp = new App({ outdir: temporaryDir("cw-modes-out-") });
    CoreweaveDeploymentData.useSource(testApp, source);
    const scoped = new CoreweaveDeploymentData(new TerraformStack(testApp, "s"), "d", {
      deploymentId: "dep-mem",
    });
    expect(scoped.deploymentId).toBe("dep-mem");
    expect(source.requestedIds).toEqual(["dep-mem"]);
    expect(await requests()).toBe(0);
    // Another app is unaffected: it reads the API.
    synthApp(["dep-1"]);
    expect(await requests()).toBe(1);
  });
});

describe("prefetch", () => {
  it("looks a list up in one batch; the constructors that follow send no request", async () => {
    CoreweaveDeploymentData.prefetch(["dep-1", "dep-2", "dep-3", "dep-1"]);
    expect(await requests()).toBe(3);
    const lookups = synthApp(["dep-1", "dep-2", "dep-3"]);
    expect(lookups.map((d) => d.deploymentId)).toEqual(["dep-1", "dep-2", "dep-3"]);
    expect(await requests()).toBe(3);
  });

  it("keeps a failure for the constructor that reads it, with its construct path", async () => {
    CoreweaveDeploymentData.prefetch(["dep-1", "dep-unknown"]);
    expect(await requests()).toBe(2);
    expect(() => synthApp(["dep-unknown"])).toThrow(
      /^serving\/dep-unknown: CoreWeave GET deployment "dep-unknown" failed: HTTP 404/,
    );
    expect(await requests()).toBe(2);
  });
});

describe("the wait prop", () => {
  const creating = (id: string) =>
    deploymentFixture(id, {
      status: "STATUS_CREATING",
      conditions: [{ type: "Ready", status: "False", reason: "ModelLoading" }],
    }).deployment;

  function waitFor(id: string, timeoutMs = 20_000) {
    const stack = new TerraformStack(new App(), "serving");
    return new CoreweaveDeploymentData(stack, "d", {
      deploymentId: id,
      wait: { timeoutMs, pollIntervalMs: 50 },
    });
  }

  it("polls until READY and exposes that snapshot", async () => {
    await emulator.setDeployment("dep-rollout", {
      steps: [
        { deployment: creating("dep-rollout"), requests: 3 },
        { deployment: deploymentFixture("dep-rollout").deployment },
      ],
    });
    const d = waitFor("dep-rollout");
    expect(d.status).toBe("STATUS_READY");
    expect(d.isReady).toBe(true);
    expect(await requests()).toBe(4);
  });

  it("writes one progress line per status change to stderr while synth waits", async () => {
    await emulator.setDeployment("dep-progress", {
      steps: [
        { deployment: creating("dep-progress"), requests: 3 },
        {
          deployment: deploymentFixture("dep-progress", { status: "STATUS_UPDATING" }).deployment,
          requests: 2,
        },
        { deployment: deploymentFixture("dep-progress").deployment },
      ],
    });
    const child = spawn(
      process.execPath,
      ["--require", "tsx/cjs", join(__dirname, "support", "wait-app.ts")],
      {
        env: {
          ...process.env,
          DEPLOYMENT_ID: "dep-progress",
          SYNTH_OUTDIR: temporaryDir("cw-modes-out-"),
        },
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const [code] = (await once(child, "close")) as [number];
    expect(code).toBe(0);
    expect(stdout).toBe("STATUS_READY\n");
    expect(stderr.trim().split("\n")).toEqual([
      expect.stringMatching(
        /^coreweave-inference: \[\d+ms\] dep-progress: STATUS_CREATING, not ready: /,
      ),
      expect.stringMatching(
        /^coreweave-inference: \[\d+m?s\] dep-progress: STATUS_UPDATING, not ready: /,
      ),
      expect.stringMatching(/^coreweave-inference: \[\d+m?s\] dep-progress: STATUS_READY, ready$/),
    ]);
    expect(stderr).not.toContain(TOKEN);
  });

  it("fails at once on a terminal status, saying waiting will not help", async () => {
    await emulator.setDeployment(
      "dep-failed",
      deploymentFixture("dep-failed", { status: "STATUS_FAILED" }),
    );
    const started = Date.now();
    let error: unknown;
    try {
      waitFor("dep-failed");
    } catch (caught) {
      error = caught;
    }
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((error as DeploymentLookupError).reason).toBeInstanceOf(DeploymentTerminalError);
    expect((error as Error).message).toMatch(
      /^serving\/d: CoreWeave deployment "dep-failed" will not become ready: status STATUS_FAILED is terminal/,
    );
    expect(await requests()).toBe(1);
  });

  it("fails at the timeout with the last status and each unmet condition", async () => {
    await emulator.setDeployment("dep-stuck", { deployment: creating("dep-stuck") });
    let error: unknown;
    try {
      waitFor("dep-stuck", 600);
    } catch (caught) {
      error = caught;
    }
    expect((error as DeploymentLookupError).reason).toBeInstanceOf(WaitTimeoutError);
    expect((error as Error).message).toContain("Last status STATUS_CREATING:");
    expect((error as Error).message).toContain(
      "  - condition Ready is False (reason: ModelLoading)",
    );
  });

  it("answers at once from facts that cannot change, ready or not", () => {
    const source = new InMemoryDeploymentSource({ "dep-c": { deployment: creating("dep-c") } });
    let error: unknown;
    try {
      new CoreweaveDeploymentData(new TerraformStack(new App(), "s"), "d", {
        deploymentId: "dep-c",
        source,
        wait: { timeoutMs: 60_000 },
      });
    } catch (caught) {
      error = caught;
    }
    // Nothing waited, so no timeout: the facts are not ready and cannot change.
    expect((error as DeploymentLookupError).reason).toBeInstanceOf(DeploymentNotReadyError);
    expect((error as DeploymentLookupError).reason).not.toBeInstanceOf(WaitTimeoutError);
    expect((error as Error).message).toContain(
      "is not ready in InMemoryDeploymentSource, whose facts do not change",
    );
  });

  it("refuses bad wait options before any request", async () => {
    expect(() => waitFor("dep-1", 0)).toThrow(
      "serving/d: wait.timeoutMs must be an integer from 1 to 2147483647 (got 0).",
    );
    expect(await requests()).toBe(0);
  });
});
