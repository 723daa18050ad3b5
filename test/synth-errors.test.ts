/**
 * What a failed synth prints, from a real process: every error the package raises is one line,
 * with no stack trace and no `{ field: ... }` object block after it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
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
