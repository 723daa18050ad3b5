/** Removes the run's temporary root (see global-setup.ts). */
import { rmSync } from "node:fs";

export default function teardown(): void {
  const root = process.env.CW_TEST_TEMP_ROOT;
  if (root) rmSync(root, { recursive: true, force: true });
}
