/**
 * `coreweave-lookups.json`: recorded lookups, committed beside `cdktf.json` so that synth can run
 * without a token (AWS CDK's `cdk.context.json` convention). Facts only, never the token. Holds
 * the file's format and the sources that write it (record mode) and read it (replay mode), and
 * `answerFromFixedFacts`. Free of CDKTF, and starts no lookup worker: the CLI reads and resets the
 * file too.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { resolveEndpoint, TOKEN_ENV } from "../api/connection";
import { formatDuration } from "../api/duration";
import { ConfigurationError, DeploymentTerminalError, WaitTimeoutError } from "../api/errors";
import { isRecord } from "../api/text";
import type { Deployment } from "../api/deployment";
import { judge, type ResolvedWaitOptions } from "../api/wait";
import {
  type DeploymentLookupRequest,
  type DeploymentLookupResult,
  type DeploymentSource,
  LOOKUP_FILE_ENV,
  LOOKUP_FILE_NAME,
  LOOKUP_MODE_ENV,
} from "./deployment-source";

const FORMAT_VERSION = 1;

/**
 * How far a lookup time may lie ahead of the clock that judges it: clocks of different machines
 * disagree a little. A time further ahead is refused, at replay and by the gate at plan, because
 * its age is negative and would pass every `maxAgeMs` forever.
 */
export const LOOKUP_CLOCK_SKEW_MS = 5 * 60_000;

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
 * The digest written beside each entry's deployment: SHA-256 of the deployment as this library
 * validated it (sorted keys) and of the schema's generation. An entry whose deployment still
 * matches it is the one that was validated when recorded; any other (hand-edited, or written by
 * hand without a digest) is validated again in full. Saves replay loading the schema (about 40 ms)
 * and checking every entry. Not a security seal: whoever edits the file can write any facts.
 */
function digestOf(deployment: unknown): string {
  return createHash("sha256")
    .update(`cdktf-coreweave-inference schema 1\n${JSON.stringify(deployment, sortKeys)}`)
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
    if (entry.digest !== digestOf(entry.deployment)) {
      // Loaded only here: zod costs about 40 ms to load, which a live synth (no file), a replay
      // of unchanged entries and the CLI's other commands need not pay.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const schema = require("../api/schema") as typeof import("../api/schema");
      const parsed = schema.parseGetDeploymentResponse({ deployment: entry.deployment });
      if (!parsed.ok) {
        const [first] = parsed.violations;
        return broken(`${where}.${first.path} ${first.problem}`);
      }
      deployment = parsed.deployment;
    }
    if (deployment.spec.id !== id) return broken(`${where} holds another deployment`);
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
    { ...entry, digest: digestOf(entry.deployment) },
  ]);
  const file = { version: FORMAT_VERSION, deployments: Object.fromEntries(deployments) };
  const text = `${JSON.stringify(file, sortKeys, 2)}\n`;
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

/**
 * Record mode: answers from another source (the API) and writes every successful answer to the
 * lookup file, with the time it was read. Failures are not written: the file holds facts only.
 */
export class RecordingDeploymentSource implements DeploymentSource {
  constructor(
    private readonly inner: DeploymentSource,
    readonly file: string,
  ) {}

  lookup(requests: readonly DeploymentLookupRequest[]): readonly DeploymentLookupResult[] {
    const results = this.inner.lookup(requests);
    const recorded = new Map<string, LookupFileEntry>();
    results.forEach((result, index) => {
      if (!result.ok) return;
      recorded.set(result.deployment.spec.id, {
        recordedAt: result.observedAt ?? new Date().toISOString(),
        endpoint: resolveEndpoint(requests[index].connection.endpoint).href,
        deployment: result.deployment,
      });
    });
    updateLookupFile(this.file, recorded);
    return results;
  }
}

/**
 * Answers a lookup from facts that cannot change while waiting (in memory, a replayed file): a
 * waiter gets them if they are ready already, and an error at once otherwise, since polling
 * them again would only read the same facts until the timeout.
 */
export function answerFromFixedFacts(
  deployment: Deployment,
  observedAt: string,
  wait: ResolvedWaitOptions | undefined,
  where: string,
): DeploymentLookupResult {
  if (!wait) return { ok: true, deployment, observedAt };
  const { verdict, outcome } = judge(deployment, wait);
  if (outcome === "ready") return { ok: true, deployment, observedAt };
  const id = deployment.spec.id;
  const error =
    outcome === "terminal"
      ? new DeploymentTerminalError(
          `CoreWeave deployment "${id}" will not become ready (${where}): ` +
            `${verdict.terminal}. Waiting will not help.`,
          { deploymentId: id },
        )
      : new WaitTimeoutError(
          `CoreWeave deployment "${id}" is not ready in ${where}, whose facts do not change ` +
            `while waiting:\n${verdict.blockers.map((blocker) => `  - ${blocker}`).join("\n")}`,
          { deploymentId: id },
        );
  return { ok: false, error };
}

/** Replay mode found no recorded entry for a deployment. */
export class LookupNotRecordedError extends ConfigurationError {}

/** The command that records missing entries, for messages. */
export const RECORD_COMMAND = `${LOOKUP_MODE_ENV}=record cdktf synth`;

/**
 * Replay mode: answers from the lookup file only (no network, no token), with the time each entry
 * was recorded, which the gate's `maxAgeMs` judges; see `LOOKUP_CLOCK_SKEW_MS` for future times.
 */
export class ReplayDeploymentSource implements DeploymentSource {
  #entries: Map<string, LookupFileEntry> | undefined;
  #version = "";

  constructor(readonly file: string) {}

  lookup(requests: readonly DeploymentLookupRequest[]): readonly DeploymentLookupResult[] {
    let entries: Map<string, LookupFileEntry>;
    try {
      entries = this.#read();
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      return requests.map(() => ({ ok: false, error }));
    }
    const now = Date.now();
    return requests.map(({ deploymentId, wait }): DeploymentLookupResult => {
      const entry = entries.get(deploymentId);
      const record = `npx coreweave-inference lookups record ${deploymentId}`;
      if (!entry) {
        const error = new LookupNotRecordedError(
          `${this.file} ${this.#version === "missing" ? "does not exist, so it has" : "has"} ` +
            `no entry for CoreWeave deployment "${deploymentId}" (${LOOKUP_MODE_ENV}=replay). ` +
            `Record it with ${TOKEN_ENV} set: ${record}, or ${RECORD_COMMAND}.`,
          { deploymentId },
        );
        return { ok: false, error };
      }
      const { deployment, recordedAt } = entry;
      const ahead = Date.parse(recordedAt) - now;
      if (ahead <= LOOKUP_CLOCK_SKEW_MS) {
        return answerFromFixedFacts(deployment, recordedAt, wait, `replayed ${this.file}`);
      }
      const error = new ConfigurationError(
        `${this.file}: the entry for CoreWeave deployment "${deploymentId}" has recordedAt ` +
          `${recordedAt}, ${formatDuration(Math.floor(ahead / 1000) * 1000)} later than this ` +
          `machine's clock (${new Date(now).toISOString()}). A lookup time in the future would ` +
          "pass every freshness check, so replay refuses it beyond " +
          `${formatDuration(LOOKUP_CLOCK_SKEW_MS)} of clock skew. Record it again with ` +
          `${TOKEN_ENV} set: ${record}, or fix the clock that is wrong (the recorder's or this ` +
          "machine's).",
        { deploymentId },
      );
      return { ok: false, error };
    });
  }

  /** Parses the file again only when it changed, so 100 lookups cost one parse. */
  #read(): Map<string, LookupFileEntry> {
    const stat = statSync(this.file, { throwIfNoEntry: false });
    const version = stat ? `${stat.mtimeMs}:${stat.size}` : "missing";
    if (this.#entries === undefined || version !== this.#version) {
      this.#entries = readLookupFile(this.file);
      this.#version = version;
    }
    return this.#entries;
  }
}
