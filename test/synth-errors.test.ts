/**
 * What a failed synth prints, from a real process: every error the package raises is one line,
 * with no stack trace and no `{ field: ... }` object block after it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

let outdir: string;
beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), "cw-synth-errors-"));
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

it.each([
  [
    "model-less",
    {},
    /^DeploymentFieldMissingError: serving\/dep-no-model: .* has no spec\.model, so modelBucket has no value\./,
  ],
  [
    "gate-max-age-env",
    { COREWEAVE_GATE_MAX_AGE: "1 day" },
    /^ConfigurationError: serving\/gate: COREWEAVE_GATE_MAX_AGE is "1 day"; write a duration/,
  ],
  ["gate-policy", {}, /^ConfigurationError: serving\/gate: acceptedStatuses contains "READY"/],
  ["bad-wait", {}, /^DeploymentLookupError: serving\/dep-1: wait\.timeoutMs must be an integer/],
  [
    "bad-id",
    {},
    /^DeploymentLookupError: serving\/dep--1: Invalid CoreWeave deployment ID "dep\/1"/,
  ],
  ["unknown-deployment", {}, /^DeploymentLookupError: serving\/dep-missing: .*"dep-missing"/],
])("%s: one line, no stack trace, no object dump", (mistake, env, message) => {
  const run = spawnSync(
    process.execPath,
    ["--require", "tsx/cjs", join(__dirname, "support", "failing-app.ts")],
    {
      encoding: "utf8",
      env: { ...process.env, ...env, MISTAKE: mistake, SYNTH_OUTDIR: outdir },
      timeout: 60_000,
    },
  );
  expect(run.status).toBe(1);
  // Node prints the throwing source line and a caret, then the error, then its version.
  const printed = run.stderr
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("Node.js v"));
  const errorLines = printed.filter((line) => /^[A-Z]\w*Error\b|^\[/.test(line));
  expect(errorLines).toHaveLength(1);
  expect(errorLines[0].replace(/^\[|\]$/g, "")).toMatch(message);
  expect(run.stderr).not.toMatch(/^\s+at /m);
  expect(run.stderr).not.toMatch(/\{\s*$|^\s*\w+: ['"]/m);
});

describe("replay misses", () => {
  const notRecorded = (path: string, id: string) =>
    `${path}: CoreWeave deployment "${id}" is not recorded (replay mode); its outputs are ` +
    "placeholders until synth, which will fail listing every missing deployment.";

  function replayApp(env: NodeJS.ProcessEnv = {}) {
    const dir = mkdtempSync(join(outdir, "replay-"));
    const run = spawnSync(
      process.execPath,
      ["--require", "tsx/cjs", join(__dirname, "support", "replay-app.ts")],
      {
        encoding: "utf8",
        env: {
          ...process.env,
          ...env,
          COREWEAVE_LOOKUP_MODE: "replay",
          COREWEAVE_LOOKUP_FILE: join(dir, "coreweave-lookups.json"),
          COREWEAVE_API_TOKEN: "",
          SYNTH_OUTDIR: join(dir, "cdktf.out"),
        },
        timeout: 60_000,
      },
    );
    return { ...run, written: () => readdirSync(dir, { recursive: true, encoding: "utf8" }) };
  }

  it("prints each miss at once, then fails synth in one line naming them all; writes no stack", () => {
    const run = replayApp();
    expect(run.status).toBe(1);
    const lines = run.stderr.split("\n").filter((line) => line.trim() !== "");
    expect(lines.slice(0, 2)).toEqual([
      notRecorded("first/llama", "dep-llama"),
      notRecorded("second/mistral", "dep-mistral"),
    ]);
    const errorLines = lines.filter((line) => /^[A-Z]\w*Error\b|^\[/.test(line));
    expect(errorLines.map((line) => line.replace(/^\[|\]$/g, ""))).toEqual([
      "LookupNotRecordedError: coreweave-lookups.json (replay mode) has no entry for 2 CoreWeave " +
        'deployments: "dep-llama", "dep-mistral". Record them with COREWEAVE_API_TOKEN set: npx ' +
        "coreweave-inference lookups record dep-llama dep-mistral, or " +
        "COREWEAVE_LOOKUP_MODE=record cdktf synth.",
    ]);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.written().filter((file) => file.endsWith("cdk.tf.json"))).toEqual([]);
  });

  it("has named the misses so far when the app's own code stops on a placeholder first", () => {
    const run = replayApp({ OWN_CHECK: "1" });
    expect(run.status).toBe(1);
    const lines = run.stderr.split("\n").filter((line) => line.trim() !== "");
    expect(lines[0]).toBe(notRecorded("first/llama", "dep-llama"));
    expect(run.stderr).toContain("Error: first/llama: serving needs 2 GPUs or more, got 1");
  });
});
