/**
 * `npm run bench`: what lookups cost as users pay it. Every sample is a whole, fresh `node`
 * process (bench/sample.ts) timed from spawn to exit: Node's start-up, loading cdktf and the
 * library, the lookup thread's start, a real `app.synth()` with validation on, and exit. The
 * emulator answers on loopback with 50 ms of latency per request.
 *
 * The `app` cells run in a fresh app that installed the packed tarball with cdktf, as a user's
 * app does; the others run from this checkout's dist/. Each lookup cell is paired with a literal
 * cell of the same N and the same app: the same stack, the same `terraform_data` records and
 * gates written from literals without loading the library (their JSON is copied from one real
 * lookup and gate: the probe). Cells run round by round, so the noise of this shared machine falls
 * on all of them alike; medians of 7. Compare cells within one run.
 */
import { execFileSync, type ExecFileSyncOptions, spawn } from "node:child_process";
import { once } from "node:events";
import { readdirSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Worker } from "node:worker_threads";
import { performance } from "node:perf_hooks";
import ts from "typescript";
import { packPackage } from "../test/support/pack";
import type { ExitMark, LiteralTemplate, SampleConfig, SampleResult } from "./sample";

type Testing = typeof import("../src/testing");
type Emulator = Awaited<ReturnType<Testing["startEmulatorProcess"]>>;

const repo = join(__dirname, "..");
const DIST = join(repo, "dist");
/* eslint-disable @typescript-eslint/no-require-imports */
const testing = require(join(DIST, "testing")) as Testing;
const api = require(join(DIST, "client")) as typeof import("../src/client");
/* eslint-enable @typescript-eslint/no-require-imports */

const TOKEN = "bench-token";
const LATENCY_MS = 50;
const SAMPLES = 7;
const RTT_CALLS = 20;
const SAMPLE_TIMEOUT_MS = 180_000;
/** The ID of the one-ID cell and the probe. */
const SHARED_ID = "bench-shared";
/** Now, in epoch milliseconds, as the sample's marks are (comparable across processes). */
const now = (): number => performance.timeOrigin + performance.now();
const ids = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `bench-${String(i).padStart(4, "0")}`);

/** What the cell's process gets: no lookups, the API, or the lookup file; `cli` is the CLI. */
type Mode = "literal" | "live" | "record" | "replay" | "cli";

interface Cell {
  readonly name: string;
  readonly n: number;
  readonly mode: Mode;
  readonly deploymentIds: readonly string[];
  readonly prefetch: boolean;
  /** Runs in the fresh app that installed the packed tarball, not from this checkout. */
  readonly app?: boolean;
  /** The literal cell this one is compared with. */
  readonly baseline?: string;
}

const CELLS: readonly Cell[] = (
  [
    { ...literal(1), name: "app literal:1", app: true },
    { name: "app lookup:1", n: 1, mode: "live", deploymentIds: ids(1), prefetch: false, app: true },
    ...[1, 100, 1000].map((n) => literal(n)),
    { name: "lookup:1", n: 1, mode: "live", deploymentIds: ids(1), prefetch: false },
    { name: "prefetched:100", n: 100, mode: "live", deploymentIds: ids(100), prefetch: true },
    { name: "prefetched:1000", n: 1000, mode: "live", deploymentIds: ids(1000), prefetch: true },
    {
      name: "one-id:1000",
      n: 1000,
      mode: "live",
      deploymentIds: Array<string>(1000).fill(SHARED_ID),
      prefetch: false,
    },
    { name: "replay:100", n: 100, mode: "replay", deploymentIds: ids(100), prefetch: true },
    { name: "cli-wait:100", n: 100, mode: "cli", deploymentIds: ids(100), prefetch: false },
  ] satisfies Cell[]
).map((cell) =>
  cell.mode === "literal" || cell.mode === "cli"
    ? cell
    : { ...cell, baseline: `${cell.app ? "app " : ""}literal:${cell.n}` },
);

function literal(n: number): Cell {
  return { name: `literal:${n}`, n, mode: "literal", deploymentIds: ids(n), prefetch: false };
}

/** One whole process: its wall time as the parent saw it, and what it reported. */
interface Run extends SampleResult {
  readonly processMs: number;
  readonly requests: number;
  /** When it was spawned, its `beforeExit` and `exit` came, and it was gone (epoch ms). */
  readonly spawnedAt: number;
  readonly beforeExitAt?: number;
  readonly exitAt?: number;
  readonly goneAt: number;
}

/** Where a cell's app finds cdktf, constructs and the library. */
type Modules = SampleConfig["modules"];

interface Setup {
  readonly script: string;
  readonly workDir: string;
  readonly emulator: Emulator;
  readonly lookupFile: string;
  /** This checkout's build. */
  readonly repo: Modules;
  /** The fresh app's installed packages, and its folder. */
  readonly app: Modules & { readonly dir: string };
}

/** Only what the cell's app is given: none of this shell's CoreWeave, cdktf or Node settings. */
function sampleEnv(setup: Setup, mode: Mode): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !/^(COREWEAVE_|CDKTF_)/.test(key) && key !== "NODE_OPTIONS",
    ),
  );
  // Replay too names the endpoint: it replays only entries recorded from the API it reads.
  env.COREWEAVE_API_ENDPOINT = setup.emulator.url;
  if (mode === "live" || mode === "record" || mode === "cli") env.COREWEAVE_API_TOKEN = TOKEN;
  if (mode === "record" || mode === "replay") {
    env.COREWEAVE_LOOKUP_MODE = mode;
    env.COREWEAVE_LOOKUP_FILE = setup.lookupFile;
  }
  return env;
}

/**
 * Runs `node args...` (or `program args...`) to its end; resolves with its stdout, wall time, and
 * when it ran.
 */
function runProcess(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  program = process.execPath,
): Promise<{ stdout: string; processMs: number; spawnedAt: number; goneAt: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const spawnedAt = now();
    let goneAt = 0;
    const child = spawn(program, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    child.once("exit", () => (goneAt = now()));
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk).slice(-2000)));
    const timer = setTimeout(() => child.kill("SIGKILL"), SAMPLE_TIMEOUT_MS);
    child.once("error", reject);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      const processMs = performance.now() - started;
      if (code === 0) resolve({ stdout, processMs, spawnedAt, goneAt });
      else reject(new Error(`bench process ended (${signal ?? code}):\n${stderr.trim()}`));
    });
  });
}

/** One `coreweave-inference wait` of the cell's IDs, all READY: the CLI as a pipeline runs it. */
async function cliSample(setup: Setup, cell: Cell): Promise<Run> {
  await setup.emulator.clearRequestLog();
  const cli = join(DIST, "cli", "main.js");
  const args = [cli, "wait", ...cell.deploymentIds, "--timeout", "1m", "--json"];
  const ran = await runProcess(args, sampleEnv(setup, "cli"), setup.workDir);
  if (JSON.parse(ran.stdout).ready !== true)
    throw new Error(`${cell.name}: not every one was ready`);
  const requests = (await setup.emulator.requestLog()).length;
  return { ...ran, requests, maxRssKb: 0, resources: 0, marks: {} };
}

/** One sample of `cell`; `template` is the literal stack's content. */
async function sample(
  setup: Setup,
  cell: Cell,
  template: LiteralTemplate | undefined,
  keepStack = false,
): Promise<Run & { stackJson?: string }> {
  if (cell.mode === "cli") return cliSample(setup, cell);
  const outdir = await mkdtemp(join(setup.workDir, "out-"));
  try {
    await setup.emulator.clearRequestLog();
    const config: SampleConfig = {
      deploymentIds: cell.deploymentIds,
      prefetch: cell.prefetch,
      literal: cell.mode === "literal" ? template : undefined,
      outdir,
      modules: cell.app ? setup.app : setup.repo,
    };
    const ran = await runProcess(
      [setup.script, JSON.stringify(config)],
      sampleEnv(setup, cell.mode),
      cell.app ? setup.app.dir : setup.workDir,
    );
    const [first, ...more] = ran.stdout.trim().split("\n");
    const result = JSON.parse(first) as SampleResult;
    const exits = more.map((line) => JSON.parse(line) as ExitMark);
    const at = (event: ExitMark["event"]) => exits.find((mark) => mark.event === event)?.at;
    if (result.resources !== 2 * cell.n) {
      throw new Error(`${cell.name} synthesized ${result.resources} resources, not ${2 * cell.n}`);
    }
    const requests = (await setup.emulator.requestLog()).length;
    const stackJson = keepStack
      ? await readFile(join(outdir, "stacks", "bench", "cdk.tf.json"), "utf8")
      : undefined;
    return {
      ...result,
      ...ran,
      requests,
      stackJson,
      beforeExitAt: at("beforeExit"),
      exitAt: at("exit"),
    };
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

/**
 * The literal stack's content, from what the library really writes for `deploymentId`: its
 * two resources become templates, so the literal cells write the same JSON, not a smaller one.
 */
function literalTemplate(stackJson: string, deploymentId: string): LiteralTemplate {
  type Data = { "//"?: { metadata?: { path?: string } }; input?: unknown; lifecycle?: object };
  const stack = JSON.parse(stackJson) as {
    locals?: Record<string, string>;
    terraform?: { required_version?: string };
    resource?: { terraform_data?: Record<string, Data> };
  };
  const resources = Object.entries(stack.resource?.terraform_data ?? {});
  const find = (suffix: string): [string, Data] => {
    const found = resources.find(([, r]) => r["//"]?.metadata?.path?.endsWith(suffix));
    if (!found || resources.length !== 2) throw new Error(`the probe wrote no */${suffix} pair`);
    return found;
  };
  const [recordName, record] = find("/record");
  const [, gate] = find("/gate");
  const idPlaceholder = "__BENCH_DEPLOYMENT_ID__";
  const recordPlaceholder = "__BENCH_RECORD_ADDRESS__";
  const templated = (value: unknown): string =>
    JSON.stringify(value)
      .split(deploymentId)
      .join(idPlaceholder)
      .split(`terraform_data.${recordName}`)
      .join(recordPlaceholder);
  return {
    idPlaceholder,
    recordPlaceholder,
    locals: stack.locals ?? {},
    requiredVersion: stack.terraform?.required_version ?? "",
    record: templated(record.input),
    gate: templated({ input: gate.input, lifecycle: gate.lifecycle }),
  };
}

/** Median time of an async `getDeployment` on a warm connection: the emulator's RTT. */
async function measureRtt(emulator: Emulator): Promise<number> {
  const client = new api.CoreweaveInferenceClient({ endpoint: emulator.url, apiToken: TOKEN });
  try {
    await client.getDeployment(SHARED_ID);
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

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

interface Summary {
  readonly processMs: number;
  readonly rssMb: number;
  /** The most any sample sent: a target on requests holds for every sample. */
  readonly requests: number;
  /** Medians of the stages of the process, in ms (see `STAGES`). */
  readonly stages: Readonly<Record<string, number>>;
}

/** The stages of a sample process, from one mark (or spawn, or exit) to the next. */
const STAGES: readonly { readonly name: string; readonly from: string; readonly to: string }[] = [
  { name: "node start, cdktf loaded", from: "spawn", to: "cdktf" },
  { name: "library import", from: "cdktf", to: "library" },
  { name: "first lookup + gate", from: "library", to: "first" },
  { name: "stack built", from: "cdktf", to: "constructs" },
  { name: "app.synth()", from: "constructs", to: "synth" },
  { name: "last line to beforeExit", from: "synth", to: "beforeExit" },
  { name: "beforeExit to exit", from: "beforeExit", to: "exit" },
  { name: "exit to process gone", from: "exit", to: "gone" },
];

function stagesOf(run: Run): Record<string, number | undefined> {
  const at: Record<string, number | undefined> = {
    ...run.marks,
    spawn: run.spawnedAt,
    beforeExit: run.beforeExitAt,
    exit: run.exitAt,
    gone: run.goneAt,
  };
  return Object.fromEntries(
    STAGES.map(({ name, from, to }) => {
      const [start, end] = [at[from], at[to]];
      return [name, start === undefined || end === undefined ? undefined : end - start];
    }),
  );
}

function summarize(runs: readonly Run[]): Summary {
  const stages = runs.map(stagesOf);
  return {
    processMs: median(runs.map((run) => run.processMs)),
    rssMb: median(runs.map((run) => run.maxRssKb / 1024)),
    requests: Math.max(...runs.map((run) => run.requests)),
    stages: Object.fromEntries(
      STAGES.flatMap(({ name }) => {
        const values = stages.flatMap((stage) => stage[name] ?? []);
        return values.length === runs.length ? [[name, median(values)]] : [];
      }),
    ),
  };
}

interface Target {
  readonly text: string;
  readonly measured: string;
  readonly met: boolean;
}

function targets(summaries: ReadonlyMap<string, Summary>, rttMs: number): Target[] {
  const get = (name: string): Summary => {
    const summary = summaries.get(name);
    if (!summary) throw new Error(`no cell ${name}`);
    return summary;
  };
  const added = (name: string, n: number) => get(name).processMs - get(`literal:${n}`).processMs;
  const app = get("app lookup:1").processMs - get("app literal:1").processMs;
  const appRatio = get("app lookup:1").processMs / get("app literal:1").processMs;
  const tail = get("app lookup:1").stages["last line to beforeExit"];
  const gone = get("app lookup:1").stages["exit to process gone"];
  const goneLiteral = get("app literal:1").stages["exit to process gone"];
  const one = added("lookup:1", 1);
  const hundred = added("prefetched:100", 100);
  const replay = added("replay:100", 100);
  const rss = get("prefetched:1000").rssMb - get("literal:1000").rssMb;
  return [
    {
      text: `fresh app: 1 lookup + gate adds ≤ 1 RTT + 150 ms (${(rttMs + 150).toFixed(0)} ms)`,
      measured: `+${app.toFixed(0)} ms, ${get("app lookup:1").requests} request`,
      met: app <= rttMs + 150,
    },
    {
      text: "fresh app: 1 lookup + gate ≤ 2x the literal stack's whole process",
      measured: `${appRatio.toFixed(2)}x`,
      met: appRatio <= 2,
    },
    {
      text: "fresh app: beforeExit ≤ 10 ms after the last line; gone ≤ 20 ms after exit",
      measured: `${tail?.toFixed(1)} ms; ${gone?.toFixed(1)} ms (literal app: ${goneLiteral?.toFixed(1)} ms)`,
      met: tail !== undefined && gone !== undefined && tail <= 10 && gone <= 20,
    },
    {
      text: `checkout: 1 lookup + gate adds ≤ 1 RTT + 150 ms (${(rttMs + 150).toFixed(0)} ms)`,
      measured: `+${one.toFixed(0)} ms, ${get("lookup:1").requests} request`,
      met: one <= rttMs + 150,
    },
    {
      text: `100 prefetched lookups + gates add ≤ 4 RTT + 300 ms (${(4 * rttMs + 300).toFixed(0)} ms)`,
      measured: `+${hundred.toFixed(0)} ms, ${get("prefetched:100").requests} requests`,
      met: hundred <= 4 * rttMs + 300,
    },
    {
      text: "1000 lookups of one ID send 1 request",
      measured: `${get("one-id:1000").requests} request(s)`,
      met: get("one-id:1000").requests === 1,
    },
    {
      text: "replay of 100 from the lookup file adds ≤ 50 ms, 0 requests",
      measured: `+${replay.toFixed(0)} ms, ${get("replay:100").requests} requests`,
      met: replay <= 50 && get("replay:100").requests === 0,
    },
    {
      text: "`coreweave-inference wait` on 100 ready IDs ≤ 1 s, whole process",
      measured: `${get("cli-wait:100").processMs.toFixed(0)} ms, ${get("cli-wait:100").requests} requests`,
      met: get("cli-wait:100").processMs <= 1000,
    },
    {
      text: "peak RSS of 1000 lookups ≤ +50 MB",
      measured: `+${rss.toFixed(0)} MB (${get("prefetched:1000").rssMb.toFixed(0)} vs ${get("literal:1000").rssMb.toFixed(0)} MB)`,
      met: rss <= 50,
    },
  ];
}

function report(summaries: ReadonlyMap<string, Summary>, rttMs: number): string {
  const row = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  const lines = [
    row([
      "cell",
      "whole process ms",
      "vs literal",
      "ratio",
      "requests",
      "peak RSS MB",
      "vs literal",
    ]),
    row(["---", "---:", "---:", "---:", "---:", "---:", "---:"]),
  ];
  for (const cell of CELLS) {
    const summary = summaries.get(cell.name);
    const base = cell.baseline ? summaries.get(cell.baseline) : undefined;
    if (!summary) continue;
    const delta = (value: number, of: number | undefined) =>
      of === undefined ? "" : `${value - of >= 0 ? "+" : ""}${(value - of).toFixed(0)}`;
    lines.push(
      row([
        cell.name,
        summary.processMs.toFixed(0),
        delta(summary.processMs, base?.processMs),
        base ? `${(summary.processMs / base.processMs).toFixed(2)}x` : "",
        String(summary.requests),
        cell.mode === "cli" ? "" : summary.rssMb.toFixed(0),
        delta(summary.rssMb, base?.rssMb),
      ]),
    );
  }
  lines.push("", row(["target (50 ms latency)", "measured", "met?"]), row(["---", "---", "---"]));
  for (const target of targets(summaries, rttMs)) {
    lines.push(row([target.text, target.measured, target.met ? "met" : "**not met**"]));
  }
  const literalApp = summaries.get("app literal:1");
  const lookupApp = summaries.get("app lookup:1");
  if (literalApp && lookupApp) {
    const ms = (value: number | undefined) => value?.toFixed(1) ?? "";
    lines.push(
      "",
      row(["fresh app, stage (medians, ms)", "literal:1", "lookup:1"]),
      row(["---", "---:", "---:"]),
      ...STAGES.map(({ name }) =>
        row([name, ms(literalApp.stages[name]), ms(lookupApp.stages[name])]),
      ),
      row(["whole process", ms(literalApp.processMs), ms(lookupApp.processMs)]),
    );
  }
  return lines.join("\n");
}

/**
 * What the lookup thread's start costs, part by part, from the app's installed package: a worker
 * thread's boot (to its first message), then loading the API layer, the HTTP client (undici's
 * Agent and request) and the schema (zod), as the thread does. Fresh threads, medians.
 */
async function threadParts(dist: string): Promise<Record<string, number>> {
  const boot = (): Promise<number> => {
    const started = performance.now();
    const worker = new Worker("require('node:worker_threads').parentPort.postMessage(0)", {
      eval: true,
    });
    return once(worker, "message").then(async () => {
      const ms = performance.now() - started;
      await worker.terminate();
      return ms;
    });
  };
  const loads = async (): Promise<Record<string, number>> => {
    const worker = new Worker(
      `const { parentPort, workerData: dist } = require("node:worker_threads");
      const t0 = performance.now();
      const client = require(dist + "/api/coreweave-inference-client.js");
      require(dist + "/api/wait.js");
      const t1 = performance.now();
      client.preloadHttpClient();
      const t2 = performance.now();
      require(dist + "/api/lazy-schema.js").schema();
      parentPort.postMessage({ api: t1 - t0, undici: t2 - t1, zod: performance.now() - t2 });`,
      { eval: true, workerData: dist },
    );
    const [times] = (await once(worker, "message")) as [Record<string, number>];
    await worker.terminate();
    return times;
  };
  const boots: number[] = [];
  const loaded: Record<string, number>[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    boots.push(await boot());
    loaded.push(await loads());
  }
  return {
    "worker thread boot": median(boots),
    "API layer load": median(loaded.map((t) => t.api)),
    "undici (Agent, request) load": median(loaded.map((t) => t.undici)),
    "zod schema load (during the first request)": median(loaded.map((t) => t.zod)),
  };
}

/** The Python rows: how many rounds, and the target's slack over one round trip. */
const PYTHON_SAMPLES = 3;
const PYTHON_TARGET_MS = 350;

/**
 * A Python app with one lookup and a gate, paired with the same Python app written from literals
 * (bench/python_sample.py), whole `python` processes: the jsii kernel's start is in both. The
 * cdktn wheel from `npm run package:python`, in a fresh virtual environment with cdktn from PyPI.
 */
async function pythonRows(setup: Setup, template: LiteralTemplate): Promise<Summary[]> {
  const wheels = join(setup.workDir, "wheels");
  const venv = join(setup.workDir, "venv");
  const quiet: ExecFileSyncOptions = { cwd: repo, stdio: ["ignore", "ignore", "inherit"] };
  execFileSync(
    process.execPath,
    ["--require", "tsx/cjs", join(repo, "scripts", "package-python.ts"), "--out", wheels],
    quiet,
  );
  execFileSync("python3", ["-m", "venv", venv], quiet);
  const python = join(venv, "bin", "python");
  const wheel = readdirSync(wheels).find((file) => file.startsWith("cdktn_"));
  execFileSync(
    python,
    [
      "-m",
      "pip",
      "install",
      "--quiet",
      "--disable-pip-version-check",
      join(wheels, wheel!),
      "cdktn==0.24.0",
    ],
    quiet,
  );
  const env = { ...sampleEnv(setup, "live"), JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: "20" };
  const runs = { literal: [] as Run[], lookup: [] as Run[] };
  for (let round = 1; round <= PYTHON_SAMPLES; round++) {
    for (const mode of ["literal", "lookup"] as const) {
      const outdir = await mkdtemp(join(setup.workDir, "py-out-"));
      const config = { mode, library: "cdktn", deploymentId: SHARED_ID, outdir, template };
      const ran = await runProcess(
        [join(__dirname, "python_sample.py"), JSON.stringify(config)],
        env,
        setup.workDir,
        python,
      );
      await rm(outdir, { recursive: true, force: true });
      runs[mode].push({ ...ran, requests: 0, maxRssKb: 0, resources: 2, marks: {} });
      process.stderr.write(
        `round ${round}/${PYTHON_SAMPLES} python ${mode.padEnd(9)} ${ran.processMs.toFixed(0).padStart(6)} ms\n`,
      );
    }
  }
  return [summarize(runs.literal), summarize(runs.lookup)];
}

async function bench(setup: Setup): Promise<void> {
  const rttMs = await measureRtt(setup.emulator);
  const parts = await threadParts(dirname(setup.app.lib));
  const probe = await sample(
    setup,
    { name: "probe", n: 1, mode: "live", deploymentIds: [SHARED_ID], prefetch: false },
    undefined,
    true,
  );
  const template = literalTemplate(probe.stackJson ?? "", SHARED_ID);
  // The replay cell reads what a record run of its own IDs wrote.
  const replayCell = CELLS.find((cell) => cell.mode === "replay");
  if (replayCell) await sample(setup, { ...replayCell, mode: "record" }, undefined);

  const runs = new Map(CELLS.map((cell) => [cell.name, [] as Run[]]));
  for (let round = 1; round <= SAMPLES; round++) {
    for (const cell of CELLS) {
      const run = await sample(setup, cell, template);
      runs.get(cell.name)?.push(run);
      process.stderr.write(
        `round ${round}/${SAMPLES} ${cell.name.padEnd(16)} ${run.processMs.toFixed(0).padStart(6)} ms, ` +
          `${String(run.requests).padStart(4)} requests\n`,
      );
    }
  }
  const summaries = new Map([...runs].map(([name, cellRuns]) => [name, summarize(cellRuns)]));
  console.log(
    `\nnode ${process.version}; emulator latency ${LATENCY_MS} ms, RTT ${rttMs.toFixed(1)} ms ` +
      `(median of ${RTT_CALLS} warm getDeployment calls); medians of ${SAMPLES} whole processes\n`,
  );
  console.log(report(summaries, rttMs));
  console.log(
    `\n| lookup thread, part (fresh app's package, medians of ${SAMPLES}, ms) | ms |\n| --- | ---: |`,
  );
  for (const [part, ms] of Object.entries(parts)) console.log(`| ${part} | ${ms.toFixed(1)} |`);
  console.log(`| request (warm RTT, emulator latency ${LATENCY_MS} ms) | ${rttMs.toFixed(1)} |`);

  const [literal, lookup] = await pythonRows(setup, template);
  const added = lookup.processMs - literal.processMs;
  console.log(
    `\n| Python (cdktn), medians of ${PYTHON_SAMPLES} whole processes | ms | vs literal | ratio |\n| --- | ---: | ---: | ---: |`,
  );
  console.log(`| literal:1 | ${literal.processMs.toFixed(0)} | | |`);
  console.log(
    `| lookup:1 | ${lookup.processMs.toFixed(0)} | +${added.toFixed(0)} | ${(lookup.processMs / literal.processMs).toFixed(2)}x |`,
  );
  const target = rttMs + PYTHON_TARGET_MS;
  console.log(
    `\nPython target: 1 lookup + gate adds ≤ 1 RTT + ${PYTHON_TARGET_MS} ms (${target.toFixed(0)} ms): ` +
      `+${added.toFixed(0)} ms, ${added <= target ? "met" : "**not met**"}`,
  );
}

/**
 * A fresh app that installs the packed tarball with cdktf and constructs, as the README tells a
 * cdktf user to (the CLI is not needed to synthesize): what a user's `cdktf synth` loads.
 */
async function installApp(workDir: string): Promise<Setup["app"]> {
  const tarball = packPackage();
  const dir = join(workDir, "app");
  try {
    await mkdir(dir);
    const npm = (...args: string[]) =>
      execFileSync("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], {
        cwd: dir,
        stdio: ["ignore", "ignore", "inherit"],
      });
    npm("init", "-y");
    npm("install", tarball, "cdktf@0.21.0", "constructs@^10.4.2");
  } finally {
    await rm(dirname(tarball), { recursive: true, force: true });
  }
  // By path: a bare `cdktf-coreweave-inference` from here would resolve to this checkout itself.
  const resolve = (name: string) => require.resolve(join(dir, "node_modules", name));
  return {
    dir,
    cdktf: resolve("cdktf"),
    constructs: resolve("constructs"),
    lib: resolve("cdktf-coreweave-inference"),
  };
}

async function main(): Promise<void> {
  const started = performance.now();
  const workDir = await mkdtemp(join(tmpdir(), "cdktf-coreweave-bench-"));
  try {
    const script = join(workDir, "sample.js");
    const source = await readFile(join(__dirname, "sample.ts"), "utf8");
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    });
    await writeFile(script, outputText);
    const emulator = await testing.startEmulatorProcess({
      token: TOKEN,
      latencyMs: LATENCY_MS,
      deployments: Object.fromEntries(
        [...ids(1000), SHARED_ID].map((id) => [id, testing.deploymentFixture(id)]),
      ),
    });
    try {
      await bench({
        script,
        workDir,
        emulator,
        lookupFile: join(workDir, "lookups.json"),
        repo: {
          cdktf: require.resolve("cdktf"),
          constructs: require.resolve("constructs"),
          lib: DIST,
        },
        app: await installApp(workDir),
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
