/**
 * Every test run gets one temporary root, set as TMPDIR before the workers start: each folder a
 * test or a child process (npm, terraform, the emulator) makes under the temporary directory
 * lands there, and global-teardown.ts removes it, whatever the tests did.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): void {
  const root = mkdtempSync(join(tmpdir(), "cw-test-run-"));
  process.env.CW_TEST_TEMP_ROOT = root;
  // Read by os.tmpdir() on each call, and inherited by the workers and their children.
  process.env.TMPDIR = root;
}
