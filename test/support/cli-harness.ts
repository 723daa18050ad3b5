/**
 * The CLI run in-process against an emulator on 127.0.0.1, for the CLI's test files: one emulator
 * and one scratch folder per file (reset before each test, removed after the file), and `cli()`,
 * which runs a command line and checks that nothing it printed holds the token.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CliIo } from "../../src/cli/cli-io";
import { runCli } from "../../src/cli/main";
import { CoreweaveEmulator } from "../../src/testing";

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The command's wall time. */
  readonly ms: number;
}

export interface CliHarness {
  readonly emulator: CoreweaveEmulator;
  readonly url: string;
  readonly scratch: string;
  cli(
    args: readonly string[],
    env?: NodeJS.ProcessEnv,
    terminal?: Pick<CliIo, "stderrIsTTY" | "columns">,
  ): Promise<Run>;
}

/** Registers the file's hooks; the fields are set once `beforeAll` has run. */
export function cliHarness(token: string): CliHarness {
  const harness = {
    emulator: new CoreweaveEmulator({ token }),
    url: "",
    scratch: "",
    async cli(
      args: readonly string[],
      env: NodeJS.ProcessEnv = {},
      terminal: Pick<CliIo, "stderrIsTTY" | "columns"> = {},
    ): Promise<Run> {
      let stdout = "";
      let stderr = "";
      const started = Date.now();
      const code = await runCli(args, {
        stdout: (text) => (stdout += text),
        stderr: (text) => (stderr += text),
        env: {
          COREWEAVE_API_ENDPOINT: harness.url,
          COREWEAVE_API_TOKEN: token,
          // Never the repository's own directory, whatever a command does.
          COREWEAVE_LOOKUP_FILE: join(harness.scratch, "lookups.json"),
          ...env,
        },
        ...terminal,
      });
      expect(stdout + stderr).not.toContain(token);
      return { code, stdout, stderr, ms: Date.now() - started };
    },
  };
  beforeAll(async () => {
    harness.scratch = mkdtempSync(join(tmpdir(), "cw-cli-"));
    harness.url = await harness.emulator.start();
  });
  afterAll(async () => {
    await harness.emulator.stop();
    rmSync(harness.scratch, { recursive: true, force: true });
  });
  beforeEach(() => harness.emulator.reset());
  return harness;
}
