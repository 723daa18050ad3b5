/**
 * `coreweave-lookups.json`: recorded lookups, committed beside `cdktf.json` so that synth can run
 * without a token (AWS CDK's `cdk.context.json` convention). Facts only, never the token.
 * Free of CDKTF: the CLI reads and resets it too.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { ConfigurationError } from "../api/errors";
import { parseGetDeploymentResponse } from "../api/schema";
import type { Deployment } from "../api/deployment";

import {
  LOOKUP_FILE_ENV,
  LOOKUP_FILE_NAME,
  LOOKUP_MODE_ENV,
  LOOKUP_MODES,
  type LookupMode,
} from "./lookup-settings";
import { isRecord } from "../api/plain-data";

export { LOOKUP_FILE_ENV, LOOKUP_FILE_NAME, LOOKUP_MODE_ENV, LOOKUP_MODES, type LookupMode };

const FORMAT_VERSION = 1;

/**
 * How far a lookup time may lie ahead of the clock that judges it: clocks of different machines
 * disagree a little. A time further ahead is refused, at replay and by the gate at plan, because
 * its age is negative and would pass every `maxAgeMs` forever.
 */
export const LOOKUP_CLOCK_SKEW_MS = 5 * 60_000;

/** One recorded lookup. */
export interface LookupFileEntry {
  /** When the deployment was read from the API (RFC 3339, UTC). */
  readonly recordedAt: string;
  /** The API base URL it was read from. */
  readonly endpoint: string;
  readonly deployment: Deployment;
}

/** Resolves the file's path: `COREWEAVE_LOOKUP_FILE`, else `coreweave-lookups.json` in `cwd`. */
export function lookupFilePath(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const configured = env[LOOKUP_FILE_ENV]?.trim();
  if (!configured) return join(cwd, LOOKUP_FILE_NAME);
  return isAbsolute(configured) ? configured : join(cwd, configured);
}

/** Reads and checks the mode: `COREWEAVE_LOOKUP_MODE`, else `fallback` (cdktf context), else live. */
export function lookupMode(env: NodeJS.ProcessEnv = process.env, fallback?: unknown): LookupMode {
  const fromEnv = env[LOOKUP_MODE_ENV]?.trim();
  const value = fromEnv || fallback;
  if (value === undefined || value === "") return "live";
  if (typeof value === "string" && (LOOKUP_MODES as readonly string[]).includes(value)) {
    return value as LookupMode;
  }
  throw new ConfigurationError(
    `${fromEnv ? LOOKUP_MODE_ENV : 'The cdktf context "coreweaveLookupMode"'} is ` +
      `${JSON.stringify(String(value)).slice(0, 40)}; use one of: ${LOOKUP_MODES.join(", ")}.`,
  );
}

/**
 * Reads the file. A missing file reads as empty. Every entry is checked like an API answer, so a
 * hand-edited file cannot slip an invalid deployment into a stack.
 */
export function readLookupFile(path: string): Map<string, LookupFileEntry> {
  if (!existsSync(path)) return new Map();
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ConfigurationError(
      `${path} is not valid JSON (${(error as Error).message}). Restore it from version control, ` +
        `or delete it and record again with ${LOOKUP_MODE_ENV}=record.`,
    );
  }
  const broken = (why: string): never => {
    throw new ConfigurationError(
      `${path} is not a CoreWeave lookup file: ${why}. Restore it from version control, or ` +
        `delete it and record again with ${LOOKUP_MODE_ENV}=record.`,
    );
  };
  if (!isRecord(data) || data.version !== FORMAT_VERSION || !isRecord(data.deployments)) {
    return broken(`expected {"version": ${FORMAT_VERSION}, "deployments": {...}}`);
  }
  const entries = new Map<string, LookupFileEntry>();
  for (const [id, entry] of Object.entries(data.deployments)) {
    const where = `deployments[${JSON.stringify(id).slice(0, 80)}]`;
    if (!isRecord(entry) || typeof entry.endpoint !== "string") {
      return broken(`${where} needs recordedAt, endpoint and deployment`);
    }
    if (typeof entry.recordedAt !== "string" || Number.isNaN(Date.parse(entry.recordedAt))) {
      return broken(`${where}.recordedAt is not an RFC 3339 time`);
    }
    const parsed = parseGetDeploymentResponse({ deployment: entry.deployment });
    if (!parsed.ok) {
      const [first] = parsed.violations;
      return broken(`${where}.${first.path} ${first.problem}`);
    }
    if (parsed.deployment.spec.id !== id) return broken(`${where} holds another deployment`);
    entries.set(id, {
      recordedAt: new Date(entry.recordedAt).toISOString(),
      endpoint: entry.endpoint,
      deployment: parsed.deployment,
    });
  }
  return entries;
}

/**
 * Writes the file: keys sorted at every level and two-space indents, so it diffs well in review.
 * Written to a temporary file and renamed, so an interrupted synth never leaves half a file.
 */
export function writeLookupFile(path: string, entries: ReadonlyMap<string, LookupFileEntry>): void {
  const deployments = Object.fromEntries(entries);
  const text = `${JSON.stringify(sortKeys({ version: FORMAT_VERSION, deployments }), null, 2)}\n`;
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

/** Adds or replaces entries, keeping the others. */
export function updateLookupFile(
  path: string,
  updates: ReadonlyMap<string, LookupFileEntry>,
): void {
  if (updates.size === 0) return;
  const entries = readLookupFile(path);
  for (const [id, entry] of updates) entries.set(id, entry);
  writeLookupFile(path, entries);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isRecord(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys(value[key])]),
  );
}
