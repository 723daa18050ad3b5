/**
 * The CLI on many deployments at once, against the emulator: combined exit codes, fail fast and
 * --keep-going, one JSON object per deployment, IDs from a synthesized stack, CI results
 * (GitHub step summary and annotations, JUnit) and the live table on a terminal.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { App, TerraformStack } from "cdktf";
import { XMLValidator } from "fast-xml-parser";
import { CoreweaveDeploymentData, DeploymentReadinessGate } from "../src";
import { deploymentFixture, InMemoryDeploymentSource } from "../src/testing";
import { cliHarness } from "./support/cli-harness";

const TOKEN = "cw-fleet-secret-8c1e4b2d";
const harness = cliHarness(TOKEN);
const { emulator, cli } = harness;

const ready = (id: string) => emulator.setDeployment(id, deploymentFixture(id));
const failed = (id: string) =>
  emulator.setDeployment(id, deploymentFixture(id, { status: "STATUS_FAILED" }));
const creating = (id: string) =>
  emulator.setDeployment(
    id,
    deploymentFixture(id, {
      status: "STATUS_CREATING",
      conditions: [{ type: "Ready", status: "False", reason: "ModelLoading" }],
    }),
  );
const fast = ["--interval", "50ms"];

describe("wait on many", () => {
  it("exits 0 when every one is ready, with a line each", async () => {
    ["a", "b", "c"].forEach(ready);
    const run = await cli(["wait", "a", "b", "c", "--timeout", "10s", ...fast]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      "a is ready (STATUS_READY)\nb is ready (STATUS_READY)\nc is ready (STATUS_READY)\n",
    );
  });

  it("exits 1 when one is still not ready at the timeout", async () => {
    ready("a");
    creating("b");
    const run = await cli(["wait", "a", "b", "--timeout", "400ms", ...fast]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('"b" was not ready after');
  });

  it("stops at once when one turns FAILED (exit 4), cancelling the others", async () => {
    ready("a");
    creating("c");
    emulator.setDeployment("b", {
      steps: [
        {
          deployment: deploymentFixture("b", { status: "STATUS_CREATING" }).deployment,
          requests: 2,
        },
        { deployment: deploymentFixture("b", { status: "STATUS_FAILED" }).deployment },
      ],
    });
    const run = await cli([
      "wait",
      "a",
      "b",
      "c",
      "--timeout",
      "1m",
      "--interval",
      "100ms",
      "--json",
    ]);
    expect(run.code).toBe(4);
    expect(run.ms).toBeLessThan(5000);
    const result = JSON.parse(run.stdout);
    expect(result.outcome).toBe("terminal");
    expect(result.ready).toBe(false);
    expect(result.deployments.map((d: { outcome: string }) => d.outcome)).toEqual([
      "ready",
      "terminal",
      "cancelled",
    ]);
    expect(run.stderr).toMatch(/not waited for to the end: c: another deployment failed/);
    const polled = emulator.requestLog().length;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(emulator.requestLog()).toHaveLength(polled);
  });

  it("waits for the others with --keep-going; the worst outcome still wins", async () => {
    failed("a");
    creating("b");
    const run = await cli([
      "wait",
      "a",
      "b",
      "--keep-going",
      "--timeout",
      "500ms",
      ...fast,
      "--json",
    ]);
    expect(run.code).toBe(4);
    const outcomes = JSON.parse(run.stdout).deployments.map((d: { outcome: string }) => d.outcome);
    expect(outcomes).toEqual(["terminal", "timeout"]);
  });

  it("ranks an API error (3) above a timeout (1), and names it", async () => {
    creating("b");
    const run = await cli(["wait", "missing", "b", "--keep-going", "--timeout", "400ms", ...fast]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/"missing" failed: HTTP 404 NOT_FOUND/);
  });

  it("prints one JSON object per deployment and the overall outcome", async () => {
    ready("a");
    ready("b");
    const run = await cli(["wait", "a", "b", "--timeout", "5s", ...fast, "--json"]);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ outcome: "ready", ready: true });
    expect(result.deployments).toEqual([
      expect.objectContaining({ deploymentId: "a", outcome: "ready", status: "STATUS_READY" }),
      expect.objectContaining({ deploymentId: "b", outcome: "ready", status: "STATUS_READY" }),
    ]);
  });

  it("keeps requests in flight bounded, and reads each ID once per poll", async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `n-${i}`);
    ids.forEach(ready);
    const run = await cli(["wait", ...ids, "--timeout", "10s"]);
    expect(run.code).toBe(0);
    expect(emulator.requestLog()).toHaveLength(40);
  });
});

describe("--stack", () => {
  function synthesize(name: string, ids: readonly string[]): string {
    const outdir = mkdtempSync(join(harness.scratch, "out-"));
    const app = new App({ outdir });
    const stack = new TerraformStack(app, name);
    const source = new InMemoryDeploymentSource(
      Object.fromEntries(ids.map((id) => [id, deploymentFixture(id)])),
    );
    ids.forEach((deploymentId, i) => {
      const deployment = new CoreweaveDeploymentData(stack, `d${i}`, { deploymentId, source });
      new DeploymentReadinessGate(stack, `g${i}`, { deployment });
    });
    // A second lookup of one ID, as two constructs of an app may do: listed once.
    new CoreweaveDeploymentData(stack, "again", { deploymentId: ids[0], source });
    app.synth();
    return join(outdir, "stacks", name);
  }

  it("waits for every deployment the stack's lookups read", async () => {
    const ids = ["s-1", "s-2", "s-3"];
    ids.forEach(ready);
    const dir = synthesize("serving", ids);
    const run = await cli(["wait", "--stack", dir, "--timeout", "5s", "--json"]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.deployments.map((d: { deploymentId: string }) => d.deploymentId)).toEqual(ids);
    const got = await cli(["get", "--stack", join(dir, "cdk.tf.json"), "--json"]);
    expect(got.code).toBe(0);
    expect(JSON.parse(got.stdout).deployments).toHaveLength(3);
  });

  it("refuses a folder with no synthesized stack, in one line naming the flag", async () => {
    const run = await cli(["wait", "--stack", harness.scratch]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^coreweave-inference: --stack ".*" holds no readable cdk\.tf\.json .*\n$/,
    );
  });
});

describe("CI results", () => {
  it("appends a step summary, annotates what is not ready, and writes JUnit", async () => {
    ready("a");
    failed("b");
    const summary = join(harness.scratch, "summary.md");
    const junit = join(harness.scratch, "report.xml");
    const run = await cli(["wait", "a", "b", "--timeout", "5s", ...fast, "--junit", junit], {
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_ACTIONS: "true",
    });
    expect(run.code).toBe(4);
    const markdown = readFileSync(summary, "utf8");
    expect(markdown).toMatch(
      /^### coreweave-inference wait: ❌ 1 will not become ready, 1 ready$/m,
    );
    expect(markdown).toMatch(/^\| a \| STATUS_READY \| yes \| .* \| {2}\|$/m);
    expect(markdown).toMatch(/^\| b \| STATUS_FAILED \| no \(will not become ready\) \|/m);
    expect(run.stderr).toMatch(
      /^::error title=coreweave-inference wait%3A b will not become ready::/m,
    );
    expect(run.stderr).not.toMatch(/^::error title=coreweave-inference wait%3A a /m);
    const xml = readFileSync(junit, "utf8");
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).toContain('tests="2" failures="1" errors="0"');
    expect(xml).toContain('skipped="0"');
    // A single deployment gets the same reports; its stdout stays as it was.
    const single = await cli(["get", "a", "--junit", junit], { GITHUB_STEP_SUMMARY: summary });
    expect(single.stdout).toMatch(/^deployment {3}a$/m);
    expect(readFileSync(summary, "utf8")).toMatch(
      /^### coreweave-inference get: ✅ 1 of 1 ready$/m,
    );
    expect(readFileSync(junit, "utf8")).toContain('tests="1" failures="0"');
  });

  it("writes --junit into folders it creates, as test runners' reporters do", async () => {
    ready("a");
    const junit = join(harness.scratch, "reports", "nested", "wait.xml");
    const run = await cli(["wait", "a", "--timeout", "5s", "--junit", junit]);
    expect(run.code).toBe(0);
    expect(XMLValidator.validate(readFileSync(junit, "utf8"))).toBe(true);
    expect(readdirSync(dirname(junit))).toEqual(["wait.xml"]);
  });

  it("refuses a --junit path that cannot be written before the first request: exit 2, one line", async () => {
    ready("a");
    const file = join(harness.scratch, "a-file");
    writeFileSync(file, "");
    const run = await cli(["wait", "a", "--junit", join(file, "r.xml")]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^coreweave-inference: --junit ".*a-file\/r\.xml" cannot be written \(a part of its folder path is a file\): pass a path in a writable folder \(see coreweave-inference --help\)\n$/,
    );
    expect(emulator.requestLog()).toHaveLength(0);
  });
});

describe("progress", () => {
  it("draws a live table on a terminal: redrawn in place, coloured", async () => {
    ready("a");
    creating("b");
    const run = await cli(
      ["wait", "a", "b", "--timeout", "600ms", ...fast],
      {},
      {
        stderrIsTTY: true,
        columns: 100,
      },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("\x1b[2A\x1b[2K");
    expect(run.stderr).toContain("\x1b[32ma ");
    expect(run.stderr).toMatch(/b +STATUS_CREATING .*condition Ready is False/);
    // No plain progress lines on a terminal: the table says it.
    expect(run.stderr).not.toMatch(/^\[\d+ms\] /m);
  });

  it("draws no colour with NO_COLOR, and plain lines when stderr is not a terminal", async () => {
    ready("a");
    creating("b");
    const noColour = await cli(
      ["wait", "a", "b", "--timeout", "300ms", ...fast],
      { NO_COLOR: "1" },
      {
        stderrIsTTY: true,
      },
    );
    expect(noColour.stderr).toContain("\x1b[2K");
    // eslint-disable-next-line no-control-regex -- the SGR escape code is what is checked
    expect(noColour.stderr).not.toMatch(/\x1b\[\d+m/);
    const plain = await cli(["wait", "a", "b", "--timeout", "300ms", ...fast]);
    expect(plain.stderr).not.toContain("\x1b");
    expect(plain.stderr).toMatch(/^\[\d+ms\] b: STATUS_CREATING, not ready/m);
  });
});

describe("get on many", () => {
  it("prints each deployment, and exits 3 if one cannot be read", async () => {
    ready("a");
    creating("b");
    const both = await cli(["get", "a", "b"]);
    expect(both.code).toBe(0);
    expect(both.stdout.match(/^deployment {3}/gm)).toHaveLength(2);
    const missing = await cli(["get", "a", "missing", "--json"]);
    expect(missing.code).toBe(3);
    const result = JSON.parse(missing.stdout);
    expect(result.outcome).toBe("error");
    expect(result.deployments[1]).toMatchObject({
      deploymentId: "missing",
      error: { kind: "not_found" },
    });
  });
});
