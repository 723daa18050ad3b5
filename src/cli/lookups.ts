/** `coreweave-inference lookups show|record|reset`: the lookup file, seen and changed by hand. */
import type { CoreweaveInferenceClient } from "../api/client";
import { formatDuration } from "../api/duration";
import { CoreweaveError } from "../api/errors";
import { sanitizeText } from "../api/text";
import {
  LOOKUP_CLOCK_SKEW_MS,
  type LookupFileEntry,
  lookupFilePath,
  readLookupFile,
  updateLookupFile,
  writeLookupFile,
} from "../lookup/lookup-file";
import { type CliIo, EXIT, UsageError } from "./cli-io";

interface LookupsFlags {
  readonly json?: boolean;
  readonly all?: boolean;
}

export async function lookupsCommand(
  args: readonly string[],
  flags: LookupsFlags,
  io: CliIo,
  client: (env: NodeJS.ProcessEnv) => CoreweaveInferenceClient,
): Promise<number> {
  const [action, ...ids] = args;
  const file = lookupFilePath(io.env);
  switch (action) {
    case "show":
      if (ids.length > 0) throw new UsageError("lookups show takes no IDs");
      show(file, flags, io);
      return EXIT.ok;
    case "reset":
      return reset(file, ids, flags, io);
    case "record":
      if (ids.length === 0) throw new UsageError("lookups record takes one or more deployment IDs");
      return record(file, ids, client(io.env), io);
    default:
      throw new UsageError("lookups takes show, record or reset");
  }
}

function show(file: string, flags: LookupsFlags, io: CliIo): void {
  const entries = [...readLookupFile(file)].sort(([a], [b]) => (a < b ? -1 : 1));
  if (flags.json) {
    const rows = entries.map(([id, entry]) => ({
      deploymentId: id,
      status: entry.deployment.status.status,
      recordedAt: entry.recordedAt,
      endpoint: entry.endpoint,
    }));
    io.stdout(`${JSON.stringify({ file, entries: rows }, null, 2)}\n`);
    return;
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
}

/** An entry's age for people; a time in the future says so, and whether replay refuses it. */
function describeAge(ageMs: number): string {
  const seconds = Math.trunc(ageMs / 1000);
  if (seconds >= 0) return `${formatDuration(seconds * 1000)} ago`;
  const refused = -ageMs > LOOKUP_CLOCK_SKEW_MS ? "; replay refuses it" : "";
  return `${formatDuration(-seconds * 1000)} in the future${refused}`;
}

function reset(file: string, ids: readonly string[], flags: LookupsFlags, io: CliIo): number {
  if (Boolean(flags.all) === ids.length > 0) {
    throw new UsageError("lookups reset takes deployment IDs, or --all (not both)");
  }
  const entries = readLookupFile(file);
  const removed = flags.all ? [...entries.keys()] : ids.filter((id) => entries.delete(id));
  if (flags.all) entries.clear();
  for (const id of ids.filter((id) => !removed.includes(id))) {
    io.stderr(`coreweave-inference: ${sanitizeText(id, 80)} is not in ${file}\n`);
  }
  writeLookupFile(file, entries);
  io.stdout(`removed ${removed.length} entr${removed.length === 1 ? "y" : "ies"} from ${file}\n`);
  return EXIT.ok;
}

async function record(
  file: string,
  ids: readonly string[],
  api: CoreweaveInferenceClient,
  io: CliIo,
): Promise<number> {
  const recorded = new Map<string, LookupFileEntry>();
  let failed = 0;
  try {
    await Promise.all(
      [...new Set(ids)].map(async (id) => {
        try {
          const deployment = await api.getDeployment(id);
          const recordedAt = new Date().toISOString();
          recorded.set(id, { recordedAt, endpoint: api.endpoint.href, deployment });
        } catch (error) {
          if (!(error instanceof CoreweaveError)) throw error;
          failed++;
          io.stderr(`coreweave-inference: ${error.message}\n`);
        }
      }),
    );
  } finally {
    await api.close();
  }
  updateLookupFile(file, recorded);
  io.stdout(`recorded ${recorded.size} of ${new Set(ids).size} in ${file}\n`);
  return failed === 0 ? EXIT.ok : EXIT.apiError;
}
