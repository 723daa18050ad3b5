/**
 * Runs bench/sample.ts in fresh `node` processes. The sample is transpiled once to plain
 * JavaScript, so the measured process loads no TypeScript loader: its start-up and peak RSS are
 * what a user's compiled app pays.
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import ts from "typescript";
import type { SampleConfig, SampleResult } from "./sample-protocol";

/** A sample that takes longer has hung (e.g. a lookup that never returns): it is killed. */
const SAMPLE_TIMEOUT_MS = 180_000;
const STDERR_TAIL_CHARS = 2_000;

/** A sample's own measurements, plus the process's wall time as the parent saw it. */
export interface SampleRun extends SampleResult {
  /** From spawn to exit: Node start-up, module loading, synth and exit. */
  readonly processMs: number;
}

/** Writes bench/sample.ts as `sample.js` in `dir` and returns its path. */
export function compileSample(dir: string): string {
  const source = readFileSync(join(__dirname, "sample.ts"), "utf8");
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
    },
    fileName: "sample.ts",
  });
  const script = join(dir, "sample.js");
  writeFileSync(script, outputText);
  return script;
}

/** Runs one sample to its end; rejects with its stderr when it fails. */
export function runSample(
  script: string,
  config: SampleConfig,
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<SampleRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [script, JSON.stringify(config)], {
      cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-STDERR_TAIL_CHARS);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), SAMPLE_TIMEOUT_MS);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      const processMs = performance.now() - started;
      if (code !== 0) {
        const why = signal ? `was killed (${signal})` : `exited with code ${code}`;
        reject(new Error(`bench sample ${why}:\n${stderr.trim()}`));
        return;
      }
      try {
        resolve({ ...(JSON.parse(stdout.trim()) as SampleResult), processMs });
      } catch {
        reject(
          new Error(`bench sample printed no result: ${JSON.stringify(stdout.slice(0, 500))}`),
        );
      }
    });
  });
}
