/** `coreweave-inference lookups reset (<id>... | --all)`: remove entries from the lookup file. */
import { sanitizeText } from "../../api/text";
import { LOOKUP_FILE_NAME } from "../../lookup/deployment-source";
import { lookupFilePath, readLookupFile, writeLookupFile } from "../../lookup/lookup-file";
import { EXIT } from "../cli-io";
import { defineCommand } from "../command";
import { UsageError } from "../command-line";

export const command = defineCommand({
  name: "lookups reset",
  operands: "<id>...",
  summary: `remove entries from ${LOOKUP_FILE_NAME}`,
  flags: { all: { type: "boolean", description: "remove every entry, instead of the IDs given" } },
  async run({ operands, flags }, io) {
    if (Boolean(flags.all) === operands.length > 0) {
      throw new UsageError("lookups reset takes deployment IDs, or --all (not both)");
    }
    const file = lookupFilePath(io.env);
    const entries = readLookupFile(file);
    const removed = flags.all ? [...entries.keys()] : operands.filter((id) => entries.delete(id));
    if (flags.all) entries.clear();
    for (const id of operands.filter((id) => !removed.includes(id))) {
      io.stderr(`coreweave-inference: ${sanitizeText(id, 80)} is not in ${file}\n`);
    }
    writeLookupFile(file, entries);
    io.stdout(`removed ${removed.length} entr${removed.length === 1 ? "y" : "ies"} from ${file}\n`);
    return EXIT.ok;
  },
});
