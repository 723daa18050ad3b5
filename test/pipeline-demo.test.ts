/**
 * `npm run pipeline-demo` (scripts/pipeline-demo.sh): the deploy job of
 * examples/pipelines/github-actions.yml, run for real against the emulator with real
 * `terraform plan` and `apply`. A deployment that goes CREATING then READY is waited for and
 * rolled out; one that goes FAILED stops at the wait (exit 4) with nothing applied; nothing the
 * script started outlives it. Never skipped: a missing terraform fails.
 */
import { spawnSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireTerraform } from "./support/terraform";

const repo = join(__dirname, "..");
/** The script takes about 15 s; a build, or a loaded machine, may take longer. */
const SCRIPT_TIMEOUT_MS = 240_000;

let status: number | null;
let output: string;

beforeAll(() => {
  requireTerraform();
  // stdout and stderr into one file, so that the wait's progress (stderr) stays in order.
  const dir = mkdtempSync(join(tmpdir(), "cw-pipeline-demo-test-"));
  try {
    const log = join(dir, "output.log");
    const fd = openSync(log, "w");
    try {
      const { DEMO_KEEP: _keep, ...env } = process.env;
      const result = spawnSync("bash", ["scripts/pipeline-demo.sh"], {
        cwd: repo,
        env,
        stdio: ["ignore", fd, fd],
        timeout: SCRIPT_TIMEOUT_MS,
      });
      if (result.error) throw result.error;
      status = result.status;
    } finally {
      closeSync(fd);
    }
    output = readFileSync(log, "utf8");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, SCRIPT_TIMEOUT_MS + 30_000);

/** The text under the header `== <title>`, up to the next header. */
function section(title: string): string {
  const parts = output.split(/^== /m);
  const found = parts.find((part) => part.startsWith(`${title}\n`));
  if (found === undefined) throw new Error(`no section "${title}" in the output:\n${output}`);
  return found;
}

function captured(pattern: RegExp): string {
  const match = pattern.exec(output);
  if (match === null) throw new Error(`${pattern} not in the output:\n${output}`);
  return match[1];
}

/** Resolves to the error code of a connection attempt, or "connected". */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** PIDs of processes whose command line or environment mentions `text` (Linux /proc). */
function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    for (const file of ["cmdline", "environ"]) {
      try {
        if (readFileSync(join("/proc", entry, file), "latin1").includes(text)) {
          pids.push(Number(entry));
          break;
        }
      } catch {
        // gone already, or not ours to read
      }
    }
  }
  return pids;
}

describe("npm run pipeline-demo", () => {
  it("exits 0, both deployments having behaved as expected", () => {
    // The whole output in the failure message.
    expect(`exit code ${status}\n${output}`).toMatch(/^exit code 0\n/);
    expect(output).toMatch(
      /^pipeline-rollout: wait=0 synth=0 init=0 plan=0 apply=0 drift=0 -> APPLIED$/m,
    );
    expect(output).toMatch(/^pipeline-broken: wait=4 -> NOT APPLIED$/m);
  });

  it("pipeline-rollout: the wait sees CREATING then READY and exits 0; plan and apply roll out", () => {
    const wait = section("1/2 deploy job for pipeline-rollout: wait for READY");
    expect(wait).toContain(
      "$ npx coreweave-inference wait pipeline-rollout --timeout 1m --interval 500ms",
    );
    expect(wait).toMatch(/\] pipeline-rollout: STATUS_CREATING, not ready: /);
    expect(wait).toMatch(/\] pipeline-rollout: STATUS_READY, ready\n/);
    expect(wait).toMatch(/^wait exit code: 0$/m);

    const deploy = section("1/2 deploy job for pipeline-rollout: fresh synth, plan, apply");
    expect(deploy).toContain(
      "terraform -chdir=cdktf.out/stacks/serving plan -input=false -out=tfplan",
    );
    expect(deploy).toContain("# terraform_data.rollout will be created");
    expect(deploy).toContain("terraform -chdir=cdktf.out/stacks/serving apply -input=false tfplan");
    // The gate's resource applied (its precondition held), then the rollout that depends on it.
    expect(deploy).toMatch(/terraform_data\.ready_gate_\w+: Creation complete/);
    expect(deploy).toMatch(/terraform_data\.rollout: Creation complete/);
    expect(deploy).toContain("Apply complete! Resources: 3 added, 0 changed, 0 destroyed.");

    expect(section("What was applied")).toMatch(/^ +terraform_data\.rollout$/m);
  });

  it("pipeline-rollout: the drift job's fresh synth and plan -detailed-exitcode show no changes", () => {
    const drift = section(
      "drift job for pipeline-rollout: fresh synth, plan -detailed-exitcode (0 = no changes, 2 = drift)",
    );
    expect(drift).toContain("No changes. Your infrastructure matches the configuration.");
  });

  it("pipeline-broken: the wait sees FAILED and exits 4; nothing is planned or applied", () => {
    const wait = section("2/2 deploy job for pipeline-broken: wait for READY");
    expect(wait).toContain(
      "$ npx coreweave-inference wait pipeline-broken --timeout 1m --interval 500ms",
    );
    expect(wait).toMatch(/\] pipeline-broken: STATUS_FAILED, not ready: /);
    expect(wait).toContain("status STATUS_FAILED is terminal");
    expect(wait).toMatch(/^wait exit code: 4$/m);
    expect(wait).toContain("The wait failed: the job stops here");

    expect(output).not.toContain("deploy job for pipeline-broken: fresh synth, plan, apply");
    expect(output).not.toContain("DEPLOYMENT_ID=pipeline-broken");
    // The one apply of the run is the rollout's.
    expect(output.match(/Apply complete!/g)).toHaveLength(1);
    const applied = section("What was applied");
    expect(applied).toMatch(
      /^pipeline-broken: no state file: .* does not exist; nothing applied\.$/m,
    );
    expect(applied).toMatch(/^pipeline-broken: not even synthesized: /m);
  });

  it("leaves nothing behind: the emulator's port is closed, the work dir and its processes gone", async () => {
    const port = Number(captured(/^Emulator: http:\/\/127\.0\.0\.1:(\d+)$/m));
    expect(await tryConnect(port)).toBe("ECONNREFUSED");

    const work = captured(/^Work dir: (\S+)$/m);
    expect(existsSync(work)).toBe(false);
    // Every process the script started has its TF_CLI_CONFIG_FILE, or its fixtures, under `work`.
    if (existsSync("/proc")) expect(processesMentioning(work)).toEqual([]);
  });
});
