import { spawnSync } from "node:child_process";
import { devNull } from "node:os";

export const TERRAFORM = process.env.TERRAFORM_BINARY_NAME ?? "terraform";

/**
 * Environment for offline Terraform runs: no checkpoint calls, no user CLI config (which may
 * point at unreachable mirrors), no colour. The empty config is the null device, so no
 * temporary file is left behind.
 */
export function offlineTerraformEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CHECKPOINT_DISABLE: "1",
    TF_IN_AUTOMATION: "1",
    TF_CLI_CONFIG_FILE: devNull,
    NO_COLOR: "1",
    ...extra,
  };
}

/** Fails loudly when Terraform is missing: the end-to-end tests never skip. */
export function requireTerraform(): string {
  const result = spawnSync(TERRAFORM, ["version"], { encoding: "utf8" });
  if (result.error || result.status !== 0) {
    throw new Error(
      `End-to-end tests need Terraform >= 1.5 on PATH (or TERRAFORM_BINARY_NAME), and "${TERRAFORM} version" ` +
        `failed: ${result.error?.message ?? result.stderr}. Install Terraform; these tests do not skip.`,
    );
  }
  return result.stdout.split("\n")[0];
}

export interface CommandResult {
  readonly code: number | null;
  readonly output: string;
}

export function run(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): CommandResult {
  const result = spawnSync(command, args, { cwd, env, encoding: "utf8", timeout: 180_000 });
  if (result.error) throw result.error;
  return { code: result.status, output: `${result.stdout}\n${result.stderr}` };
}

/** `terraform init`, then `terraform <command>`, in a synthesized stack directory. */
export function terraform(
  stackDir: string,
  command: "plan" | "apply",
  env: NodeJS.ProcessEnv,
): CommandResult {
  const init = run(TERRAFORM, ["init", "-input=false", "-no-color"], stackDir, env);
  if (init.code !== 0) throw new Error(`terraform init failed in ${stackDir}:\n${init.output}`);
  const extra = command === "apply" ? ["-auto-approve"] : [];
  return run(TERRAFORM, [command, ...extra, "-input=false", "-no-color"], stackDir, env);
}
