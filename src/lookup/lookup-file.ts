/**
 * `coreweave-lookups.json`, the lookup file: recorded lookups, committed beside `cdktf.json` so
 * that synth can run without a token (AWS CDK's `cdk.context.json` convention). Facts only, never
 * the token. This module is the file's format: where it is, reading (with validation) and writing.
 * Free of CDKTF, and starts no lookup thread: the CLI reads and resets the file too.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { writeFileAtomically } from "../api/atomic-file";
import { ConfigurationError } from "../api/errors";
import { schema } from "../api/lazy-schema";
import { isRecord } from "../api/text";
import type { Deployment } from "../api/deployment";
import { LOOKUP_FILE_ENV, LOOKUP_FILE_NAME, LOOKUP_MODE_ENV } from "./deployment-source";

const FORMAT_VERSION = 1;

/** The command that records missing entries, for messages. */
export const RECORD_COMMAND = `${LOOKUP_MODE_ENV}=record cdktf synth`;

/** Resolves the file's path: `COREWEAVE_LOOKUP_FILE`, else `coreweave-lookups.json` in `cwd`. */
export function lookupFilePath(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const configured = env[LOOKUP_FILE_ENV]?.trim() || LOOKUP_FILE_NAME;
  return isAbsolute(configured) ? configured : join(cwd, configured);
}

/** One recorded lookup. */
export interface LookupFileEntry {
  /** When the deployment was read from the API (RFC 3339, UTC). */
  readonly recordedAt: string;
  /** The API base URL it was read from. */
  readonly endpoint: string;
  readonly deployment: Deployment;
}

/**
 * The digest written beside each entry's deployment: SHA-256 of the entry's key, the deployment
 * as this library validated it (sorted keys) and the schema's generation. An entry whose key and
 * deployment still match it is the one that was validated when recorded; any other (hand-edited,
 * or written by hand without a digest) is validated again in full. Saves replay loading the
 * schema (about 40 ms) and checking every entry. Not a security seal: whoever edits the file can
 * write any facts.
 */
function digestOf(deploymentId: string, deployment: unknown): string {
  return createHash("sha256")
    .update(
      `cdktf-coreweave-inference schema 2\n${JSON.stringify([deploymentId, deployment], sortKeys)}`,
    )
    .digest("hex");
}

/**
 * Reads the file. A missing file reads as empty. Every entry is checked like an API answer, unless
 * it is unchanged since it was (see `digestOf`), so a hand-edited file cannot slip an invalid
 * deployment into a stack.
 */
export function readLookupFile(path: string): Map<string, LookupFileEntry> {
  if (!existsSync(path)) return new Map();
  const unusable = (why: string): never => {
    throw new ConfigurationError(
      `${path} ${why}. Restore it from version control, or delete it and record again with ` +
        `${LOOKUP_MODE_ENV}=record.`,
    );
  };
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    return unusable(`is not valid JSON (${(error as Error).message})`);
  }
  const broken = (why: string) => unusable(`is not a CoreWeave lookup file: ${why}`);
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
    let deployment = entry.deployment as Deployment;
    if (entry.digest !== digestOf(id, entry.deployment)) {
      const checked = schema().checkDeploymentBody({ deployment: entry.deployment }, id);
      if (!checked.ok) {
        if (checked.problem === "other_deployment")
          return broken(`${where} holds another deployment`);
        const [first] = checked.violations;
        return broken(`${where}.${first.path} ${first.problem}`);
      }
      deployment = checked.deployment;
    }
    entries.set(id, {
      recordedAt: new Date(entry.recordedAt).toISOString(),
      endpoint: entry.endpoint,
      deployment,
    });
  }
  return entries;
}

/**
 * Writes the file: keys sorted at every level and two-space indents, so it diffs well in review.
 * Written to a temporary file and renamed, so an interrupted synth never leaves half a file.
 */
export function writeLookupFile(path: string, entries: ReadonlyMap<string, LookupFileEntry>): void {
  const deployments = [...entries].map(([id, entry]) => [
    id,
    { ...entry, digest: digestOf(id, entry.deployment) },
  ]);
  const file = { version: FORMAT_VERSION, deployments: Object.fromEntries(deployments) };
  writeFileAtomically(path, `${JSON.stringify(file, sortKeys, 2)}\n`);
}

/** Adds or replaces entries, keeping the others. */
export function updateLookupFile(
  path: string,
  updates: ReadonlyMap<string, LookupFileEntry>,
): void {
  if (updates.size === 0) return;
  writeLookupFile(path, new Map([...readLookupFile(path), ...updates]));
}

/** A `JSON.stringify` replacer that writes the keys of every object in sorted order. */
function sortKeys(_key: string, value: unknown): unknown {
  if (!isRecord(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, value[key]]),
  );
}
