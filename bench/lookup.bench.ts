/**
 * `npm run bench`: what lookups cost a real `cdktf synth`, measured on the compiled package
 * (dist/) as users run it, against the emulator with 50 ms of latency per API answer.
 *
 * Every sample is a fresh `node` process (bench/sample.ts) that builds one stack of N gated
 * deployments, runs `new App({ outdir })` + `app.synth()` with validation on, and prints its
 * synth time (from before `new App` to after `app.synth()`), its phases and its peak RSS. The
 * parent adds the process's wall time and the API requests the emulator logged during the sample
 * (log cleared before each). Cells, side by side in one run, sampled round by round so that the
 * noise of this shared machine falls on every cell alike:
 * - literal: the same JSON from literals, with no lookup and without loading the library. One
 *   real lookup and gate are synthesized first (the probe), and their two `terraform_data`
 *   resources, the plan-clock local and the version constraint become templates (see
 *   bench/literal-template.ts), written N times with cdktf's plain `TerraformResource`. Not
 *   `DataResource`: it spawns `terraform version` per resource at synth, and the library no
 *   longer uses it.
 * - prefetched: `CoreweaveDeploymentData.prefetch(ids)`, then one `CoreweaveDeploymentData` and
 *   one `DeploymentReadinessGate` per ID (endpoint and token from the environment).
 * - one-by-one: the same without prefetch; each constructor looks its deployment up. Not run at
 *   N = 1000: that is 1000 round trips one after another, what prefetch exists to avoid.
 * - one-id: 1000 lookups and gates of one ID, no prefetch.
 * - replay: the prefetched app with `COREWEAVE_LOOKUP_MODE=replay`, reading a lookup file that a
 *   `COREWEAVE_LOOKUP_MODE=record` run wrote beforehand; no token or endpoint in its environment.
 *
 * Medians throughout; compare cells within one run, not absolute numbers across runs.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { literalTemplate } from "./literal-template";
import {
  type CellName,
  cellKey,
  detailTable,
  evaluateTargets,
  markdownTable,
  type Measurement,
  median,
  summarize,
  targetList,
} from "./report";
import type { LiteralTemplate, SampleConfig, SampleModules } from "./sample-protocol";
import { compileSample, runSample } from "./sample-runner";

type Lib = typeof import("../src");
type Testing = typeof import("../src/testing");
type Emulator = Awaited<ReturnType<Testing["startEmulatorProcess"]>>;

const DIST = join(__dirname, "..", "dist");
// The compiled package: its lookup worker is plain JavaScript, as in a user's node_modules.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lib = require(DIST) as Lib;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const testing = require(join(DIST, "testing")) as Testing;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const api = require(join(DIST, "client")) as typeof import("../src/client");

const TOKEN = "bench-token";
const LATENCY_MS = 50;
const RTT_CALLS = 20;
const SIZES = [1, 10, 100, 1000] as const;
const MAX_N = 1000;
const ONE_BY_ONE_MAX_N = 100;
const ONE_ID_N = 1000;
const REPLAY_N = 100;
/** The ID of the one-id cell, the probe and the RTT calls. */
const SHARED_ID = "bench-shared";

const samplesFor = (n: number): number => (n >= 1000 ? 3 : 5);

interface Cell {
  readonly name: CellName;
  readonly n: number;
  readonly samples: number;
}

/** What the app finds in its environment. */
type Mode = "literal" | "live" | "record" | "replay";

/** Everything a sample needs besides its cell. */
interface Setup {
  readonly script: string;
  readonly workDir: string;
  readonly emulator: Emulator;
  readonly lookupFile: string;
  readonly modules: SampleModules;
}

/** A sample's measurements, and its `cdk.tf.json` when asked for. */
interface Synthesized {
  readonly measurement: Measurement;
  readonly stackJson?: string;
}

const deploymentIds = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `bench-${String(i).padStart(4, "0")}`);

function cells(): Cell[] {
  const all: Cell[] = [];
  for (const n of SIZES) {
    const samples = samplesFor(n);
    all.push({ name: "literal", n, samples }, { name: "prefetched", n, samples });
    if (n <= ONE_BY_ONE_MAX_N) all.push({ name: "one-by-one", n, samples });
  }
  all.push({ name: "one-id", n: ONE_ID_N, samples: samplesFor(ONE_ID_N) });
  all.push({ name: "replay", n: REPLAY_N, samples: samplesFor(REPLAY_N) });
  return all;
}

/**
 * The sample's environment: none of this shell's CoreWeave, cdktf or Node settings, so every
 * cell runs alike; then exactly what the cell's app is given.
 */
function sampleEnv(setup: Setup, mode: Mode): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) =>
        !key.startsWith("COREWEAVE_") &&
        !key.startsWith("CDKTF_") &&
        key !== "SYNTH_HCL_OUTPUT" &&
        key !== "NODE_OPTIONS",
    ),
  );
  if (mode === "live" || mode === "record") {
    env.COREWEAVE_API_ENDPOINT = setup.emulator.url;
    env.COREWEAVE_API_TOKEN = setup.emulator.token;
  }
  if (mode === "record" || mode === "replay") {
    env[lib.LOOKUP_MODE_ENV] = mode;
    env[lib.LOOKUP_FILE_ENV] = setup.lookupFile;
  }
  return env;
}

/** Runs one sample in a fresh output directory, counting the API requests it sends. */
async function synthesize(
  setup: Setup,
  config: Omit<SampleConfig, "outdir" | "modules">,
  mode: Mode,
  keepJson = false,
): Promise<Synthesized> {
  const outdir = await mkdtemp(join(setup.workDir, "out-"));
  try {
    await setup.emulator.clearRequestLog();
    const run = await runSample(
      setup.script,
      { ...config, outdir, modules: setup.modules },
      sampleEnv(setup, mode),
      setup.workDir,
    );
    const requests = (await setup.emulator.requestLog()).length;
    if (run.resources !== 2 * config.deploymentIds.length) {
      throw new Error(`a sample synthesized ${run.resources} resources, expected 2 per deployment`);
    }
    const stackJson = keepJson
      ? await readFile(join(outdir, "stacks", "bench", "cdk.tf.json"), "utf8")
      : undefined;
    return { measurement: { ...run, requests }, stackJson };
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

async function measure(setup: Setup, cell: Cell, literal: LiteralTemplate): Promise<Measurement> {
  const { measurement } = await synthesize(
    setup,
    {
      stack: cell.name === "literal" ? "literal" : "lookups",
      deploymentIds:
        cell.name === "one-id" ? Array<string>(cell.n).fill(SHARED_ID) : deploymentIds(cell.n),
      prefetch: cell.name === "prefetched" || cell.name === "replay",
      literal: cell.name === "literal" ? literal : undefined,
    },
    cell.name === "literal" ? "literal" : cell.name === "replay" ? "replay" : "live",
  );
  return measurement;
}

/** Synthesizes one real lookup and gate, whose output the literal stack then copies. */
async function probe(setup: Setup): Promise<LiteralTemplate> {
  const config = { stack: "lookups", deploymentIds: [SHARED_ID], prefetch: false } as const;
  const { stackJson } = await synthesize(setup, config, "live", true);
  return literalTemplate(stackJson ?? "", SHARED_ID);
}

/** Writes the lookup file the replay cell reads: the replay app's own IDs, recorded live. */
async function record(setup: Setup): Promise<number> {
  const config = {
    stack: "lookups",
    deploymentIds: deploymentIds(REPLAY_N),
    prefetch: true,
  } as const;
  const { measurement } = await synthesize(setup, config, "record");
  return measurement.requests;
}

/** Median time of a plain async `getDeployment` on a warm connection: the emulator's RTT. */
async function measureRtt(emulator: Emulator): Promise<number> {
  const client = new api.CoreweaveInferenceClient({ endpoint: emulator.url, apiToken: TOKEN });
  try {
    await client.getDeployment(SHARED_ID); // opens the connection
    const times: number[] = [];
    for (let i = 0; i < RTT_CALLS; i++) {
      const start = performance.now();
      await client.getDeployment(SHARED_ID);
      times.push(performance.now() - start);
    }
    return median(times);
  } finally {
    await client.close();
  }
}

async function runCells(
  setup: Setup,
  literal: LiteralTemplate,
): Promise<Map<string, Measurement[]>> {
  const all = cells();
  const results = new Map(all.map((cell) => [cellKey(cell.name, cell.n), [] as Measurement[]]));
  // Warms the disk cache for both kinds of app; discarded.
  for (const name of ["literal", "prefetched"] as const) {
    await measure(setup, { name, n: 1, samples: 1 }, literal);
  }
  const rounds = Math.max(...all.map((cell) => cell.samples));
  for (let round = 0; round < rounds; round++) {
    for (const cell of all.filter((candidate) => candidate.samples > round)) {
      const measurement = await measure(setup, cell, literal);
      results.get(cellKey(cell.name, cell.n))?.push(measurement);
      process.stderr.write(
        `round ${round + 1}/${rounds} ${cellKey(cell.name, cell.n).padEnd(16)} ` +
          `synth ${measurement.synthMs.toFixed(0).padStart(6)} ms, ` +
          `${String(measurement.requests).padStart(4)} requests\n`,
      );
    }
  }
  return results;
}

async function bench(setup: Setup): Promise<void> {
  const rttMs = await measureRtt(setup.emulator);
  const literal = await probe(setup);
  const recordRequests = await record(setup);
  const results = await runCells(setup, literal);
  const summaries = new Map([...results].map(([key, runs]) => [key, summarize(runs)]));

  console.log(
    `\nnode ${process.version}; emulator latency ${LATENCY_MS} ms, RTT ${rttMs.toFixed(1)} ms ` +
      `(median of ${RTT_CALLS} async getDeployment calls); the replay file was recorded with ` +
      `${recordRequests} requests\n`,
  );
  console.log(markdownTable(summaries, SIZES, { oneId: ONE_ID_N, replay: REPLAY_N }));
  console.log(`\nTargets (${LATENCY_MS} ms latency, RTT ${rttMs.toFixed(1)} ms):\n`);
  console.log(targetList(evaluateTargets(summaries, rttMs)));
  console.log("\nWhere the time goes (medians; process = spawn to exit, seen by the parent):\n");
  console.log(detailTable(summaries));
}

async function main(): Promise<void> {
  const started = performance.now();
  const workDir = await mkdtemp(join(tmpdir(), "cdktf-coreweave-bench-"));
  try {
    const ids = [...deploymentIds(MAX_N), SHARED_ID];
    const emulator = await testing.startEmulatorProcess({
      token: TOKEN,
      latencyMs: LATENCY_MS,
      deployments: Object.fromEntries(ids.map((id) => [id, testing.deploymentFixture(id)])),
    });
    try {
      await bench({
        script: compileSample(workDir),
        workDir,
        emulator,
        lookupFile: join(workDir, lib.LOOKUP_FILE_NAME),
        modules: {
          cdktf: require.resolve("cdktf"),
          constructs: require.resolve("constructs"),
          lib: DIST,
        },
      });
    } finally {
      await emulator.stop();
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  console.log(`\nbench took ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
