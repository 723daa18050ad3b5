/**
 * `npm run bench`: what a lookup costs, measured on the compiled package (dist/), as users run it.
 * Prints medians and ratios within one run; the machines are shared, so compare ratios, not
 * absolute numbers across runs.
 */
import { execFileSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { join } from "node:path";

type Lib = typeof import("../src");
type Testing = typeof import("../src/testing");
type Cdktf = typeof import("cdktf");

// The compiled package: its lookup worker is plain JavaScript, as in a user's node_modules.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lib = require(join(__dirname, "..", "dist")) as Lib;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const testing = require(join(__dirname, "..", "dist", "testing")) as Testing;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdktf = require("cdktf") as Cdktf;

const TOKEN = "bench-token";
const BATCH = 50;

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function time(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

function row(name: string, ms: number, note = ""): void {
  console.log(`${name.padEnd(60)} ${ms.toFixed(2).padStart(9)} ms ${note}`);
}

async function main(): Promise<void> {
  const ids = Array.from({ length: BATCH }, (_, i) => `bench-${i}`);
  const emulator = await testing.startEmulatorProcess({
    token: TOKEN,
    deployments: Object.fromEntries(ids.map((id) => [id, testing.deploymentFixture(id)])),
  });
  const connection = { endpoint: emulator.url, apiToken: TOKEN };
  try {
    const client = new lib.CoreweaveInferenceClient(connection);
    await client.getDeployment(ids[0]); // warm the connection
    const http: number[] = [];
    for (let i = 0; i < 100; i++)
      http.push(await timeAsync(() => client.getDeployment(ids[i % BATCH])));
    await client.close();

    const synth = (withLookup: boolean, source: InstanceType<Lib["LiveDeploymentSource"]>) =>
      time(() => {
        const app = cdktf.Testing.app();
        const stack = new cdktf.TerraformStack(app, "bench");
        new cdktf.DataResource(stack, "plain", { input: { a: 1 } });
        if (withLookup) {
          new lib.CoreweaveDeploymentData(stack, "dep", {
            deploymentId: ids[0],
            ...connection,
            source,
          });
        }
        cdktf.Testing.synth(stack);
      });
    const bare: number[] = [];
    const cold: number[] = [];
    const cached: number[] = [];
    for (let i = 0; i < 15; i++) {
      bare.push(synth(false, new lib.LiveDeploymentSource()));
      const source = new lib.LiveDeploymentSource();
      cold.push(synth(true, source));
      cached.push(synth(true, source));
    }

    // The first lookup in a process also starts the lookup worker: measure it in fresh processes.
    const firstLookupScript = `
      const lib = require(${JSON.stringify(join(__dirname, "..", "dist"))});
      const start = performance.now();
      const [result] = new lib.LiveDeploymentSource().lookup([
        { deploymentId: ${JSON.stringify(ids[0])}, connection: ${JSON.stringify(connection)} },
      ]);
      if (!result.ok) throw result.error;
      process.stdout.write(String(performance.now() - start));`;
    const first: number[] = [];
    for (let i = 0; i < 5; i++) {
      first.push(
        Number(execFileSync(process.execPath, ["-e", firstLookupScript], { encoding: "utf8" })),
      );
    }

    const requests = ids.map((deploymentId) => ({ deploymentId, connection }));
    const batched: number[] = [];
    const oneByOne: number[] = [];
    for (let i = 0; i < 3; i++) {
      batched.push(time(() => new lib.LiveDeploymentSource().lookup(requests)));
      const source = new lib.LiveDeploymentSource();
      oneByOne.push(time(() => requests.forEach((request) => source.lookup([request]))));
    }

    console.log(
      `node ${process.version}, ${BATCH} deployments on the emulator at ${emulator.url}\n`,
    );
    row("async client GET, warm connection (median of 100)", median(http));
    row("synth of a 1-resource stack, no lookup (median of 15)", median(bare));
    row("first lookup in a fresh process, worker start (median of 5)", median(first));
    row("same stack + 1 uncached lookup (median of 15)", median(cold));
    row("same stack + 1 cached lookup (median of 15)", median(cached));
    row("=> time one uncached lookup adds to synth", median(cold) - median(bare));
    row(`${BATCH} lookups in one batch (median of 3)`, median(batched));
    row(`${BATCH} lookups one by one, uncached (median of 3)`, median(oneByOne));
    console.log(`\nbatch speed-up: ${(median(oneByOne) / median(batched)).toFixed(1)}x`);
  } finally {
    await emulator.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
