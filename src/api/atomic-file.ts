/** Writing a file so that no reader ever sees half of it: the lookup file, CI reports. */
import { renameSync, rmSync, writeFileSync } from "node:fs";

/**
 * Writes `text` to a temporary file beside `path`, then renames it over `path`: a reader sees
 * the old file or the new one, never a part, even if the process is killed while writing.
 */
export function writeFileAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
