/**
 * Nothing runs after an app's last line: a real app process, with a lookup that succeeded and one
 * that failed, fires `beforeExit` right after its last line and is gone right after `exit`. (Until
 * V8 was kept from re-compiling undici's WebAssembly HTTP parser, it lived 100 to 300 ms longer.)
 * The bounds have slack over the 10 ms and 20 ms targets (without the fix, the median was 44 ms
 * after a lookup that succeeded and 113 ms after one that failed): this machine is shared; the bench
 * reports the figures.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreweaveEmulator, deploymentFixture } from "../src/testing";

const TOKEN = "cw-tail-secret-2b8e6f40";
const emulator = new CoreweaveEmulator({ token: TOKEN });
let url = "";
let outdir = "";

beforeAll(async () => {
  url = await emulator.start();
  emulator.setDeployment("dep-ready", deploymentFixture("dep-ready"));
  outdir = mkdtempSync(join(tmpdir(), "cw-tail-"));
});
afterAll(async () => {
  await emulator.stop();
  rmSync(outdir, { recursive: true, force: true });
});

/** One run of the app: how long after its last line `beforeExit` came, and the process was gone. */
function run(
  deploymentId: string,
): Promise<{ toBeforeExit: number; toGone: number; stderr: string }> {
  const child = spawn(
    process.execPath,
    ["--require", "tsx/cjs", join(__dirname, "support", "exit-tail-app.ts")],
    {
      env: {
        PATH: process.env.PATH,
        TMPDIR: process.env.TMPDIR,
        COREWEAVE_API_ENDPOINT: url,
        COREWEAVE_API_TOKEN: TOKEN,
        DEPLOYMENT_ID: deploymentId,
        SYNTH_OUTDIR: outdir,
      },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => {
      const gone = performance.timeOrigin + performance.now();
      const marks = Object.fromEntries(
        [...stderr.matchAll(/^mark (\S+) ([\d.]+)$/gm)].map((m) => [m[1], Number(m[2])]),
      );
      if (code !== 0 || !marks["last-line"] || !marks.beforeExit || !marks.exit) {
        return reject(new Error(`the app ended with ${code}:\n${stderr}`));
      }
      resolve({
        toBeforeExit: marks.beforeExit - marks["last-line"],
        toGone: gone - marks.exit,
        stderr,
      });
    });
  });
}

describe.each([
  ["succeeded", "dep-ready", ""],
  ["failed (404)", "dep-missing", "caught DeploymentLookupError"],
])("after a lookup that %s", (_what, deploymentId, caught) => {
  it("the app fires beforeExit at its last line, and is gone right after exit", async () => {
    // The median of five: one run slowed by the shared machine does not decide it.
    const runs = [];
    for (let i = 0; i < 5; i++) runs.push(await run(deploymentId));
    expect(runs[0].stderr).toContain(caught);
    const median = (values: number[]) => values.sort((a, b) => a - b)[2];
    process.stderr.write(
      `${_what}: beforeExit after ${runs.map((r) => r.toBeforeExit.toFixed(0)).join(", ")} ms; ` +
        `gone after exit ${runs.map((r) => r.toGone.toFixed(0)).join(", ")} ms\n`,
    );
    expect(median(runs.map((r) => r.toBeforeExit))).toBeLessThan(30);
    expect(median(runs.map((r) => r.toGone))).toBeLessThan(100);
  });
});
