import { statSync } from "node:fs";
import { formatDuration } from "../api/duration";
import { ConfigurationError } from "../api/errors";
import type {
  DeploymentLookupRequest,
  DeploymentLookupResult,
  DeploymentSource,
} from "./deployment-source";
import {
  LOOKUP_CLOCK_SKEW_MS,
  type LookupFileEntry,
  LOOKUP_MODE_ENV,
  readLookupFile,
} from "./lookup-file";
import { answerFromFixedFacts } from "./unchanging-facts";

/** Replay mode found no recorded entry for a deployment. */
export class LookupNotRecordedError extends ConfigurationError {}

/** The command that records missing entries, for messages. */
export const RECORD_COMMAND = `${LOOKUP_MODE_ENV}=record cdktf synth`;

/**
 * Replay mode: answers from the lookup file only. No network and no token; the facts carry the
 * time they were recorded, which the gate's `maxAgeMs` judges. An entry recorded later than now
 * (beyond `LOOKUP_CLOCK_SKEW_MS`) is refused: its age would be negative, fresh forever.
 */
export class ReplayDeploymentSource implements DeploymentSource {
  #entries: Map<string, LookupFileEntry> | undefined;
  #version = "";

  constructor(
    /** The lookup file to read. */
    readonly file: string,
  ) {}

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
      if (entry) {
        const ahead = Date.parse(entry.recordedAt) - now;
        if (ahead > LOOKUP_CLOCK_SKEW_MS) {
          return { ok: false, error: this.#recordedInFuture(deploymentId, entry, now, ahead) };
        }
        return answerFromFixedFacts(
          entry.deployment,
          entry.recordedAt,
          wait,
          `replayed ${this.file}`,
        );
      }
      return {
        ok: false,
        error: new LookupNotRecordedError(
          `${this.file} ${this.#version === "missing" ? "does not exist, so it has" : "has"} ` +
            `no entry for CoreWeave deployment "${deploymentId}" ` +
            `(${LOOKUP_MODE_ENV}=replay). Record it with COREWEAVE_API_TOKEN set: ` +
            `npx coreweave-inference lookups record ${deploymentId}, or ${RECORD_COMMAND}.`,
          { deploymentId },
        ),
      };
    });
  }

  #recordedInFuture(
    deploymentId: string,
    entry: LookupFileEntry,
    now: number,
    ahead: number,
  ): ConfigurationError {
    return new ConfigurationError(
      `${this.file}: the entry for CoreWeave deployment "${deploymentId}" has recordedAt ` +
        `${entry.recordedAt}, ${formatDuration(Math.floor(ahead / 1000) * 1000)} later than ` +
        `this machine's clock (${new Date(now).toISOString()}). A lookup time in the future ` +
        `would pass every freshness check, so replay refuses it beyond ` +
        `${formatDuration(LOOKUP_CLOCK_SKEW_MS)} of clock skew. Record it again with ` +
        `COREWEAVE_API_TOKEN set: npx coreweave-inference lookups record ${deploymentId}, or ` +
        "fix the clock that is wrong (the recorder's or this machine's).",
      { deploymentId },
    );
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
