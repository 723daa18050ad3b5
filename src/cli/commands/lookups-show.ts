/** `coreweave-inference lookups show`: the entries of the lookup file, and how old each is. */
import { formatDuration } from "../../api/duration";
import { sanitizeText } from "../../api/text";
import { LOOKUP_CLOCK_SKEW_MS, LOOKUP_FILE_NAME } from "../../lookup/deployment-source";
import { lookupFilePath, readLookupFile } from "../../lookup/lookup-file";
import { EXIT } from "../cli-io";
import { defineCommand } from "../command";
import { UsageError } from "../command-line";
import { JSON_FLAG } from "../flags";

export const command = defineCommand({
  name: "lookups show",
  operands: "",
  summary: `list the entries of ${LOOKUP_FILE_NAME}`,
  flags: JSON_FLAG,
  async run({ operands, flags }, io) {
    if (operands.length > 0) throw new UsageError("lookups show takes no IDs");
    const file = lookupFilePath(io.env);
    const entries = [...readLookupFile(file)].sort(([a], [b]) => (a < b ? -1 : 1));
    if (flags.json) {
      const rows = entries.map(([id, entry]) => ({
        deploymentId: id,
        status: entry.deployment.status.status,
        recordedAt: entry.recordedAt,
        endpoint: entry.endpoint,
      }));
      io.stdout(`${JSON.stringify({ file, entries: rows }, null, 2)}\n`);
      return EXIT.ok;
    }
    io.stdout(`${file}: ${entries.length} entr${entries.length === 1 ? "y" : "ies"}\n`);
    const now = Date.now();
    for (const [id, entry] of entries) {
      io.stdout(
        `  ${sanitizeText(id, 80)}  ${sanitizeText(entry.deployment.status.status, 40)}  ` +
          `recorded ${entry.recordedAt} (${describeAge(now - Date.parse(entry.recordedAt))}) ` +
          `from ${sanitizeText(entry.endpoint, 100)}\n`,
      );
    }
    return EXIT.ok;
  },
});

/** An entry's age for people; a time in the future says so, and whether replay refuses it. */
function describeAge(ageMs: number): string {
  const seconds = Math.trunc(ageMs / 1000);
  if (seconds >= 0) return `${formatDuration(seconds * 1000)} ago`;
  const refused = -ageMs > LOOKUP_CLOCK_SKEW_MS ? "; replay refuses it" : "";
  return `${formatDuration(-seconds * 1000)} in the future${refused}`;
}
