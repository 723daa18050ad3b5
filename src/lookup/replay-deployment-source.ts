import { statSync } from "node:fs";
import { ConfigurationError } from "../api/errors";
import type {
  DeploymentLookupRequest,
  DeploymentLookupResult,
  DeploymentSource,
} from "./deployment-source";
import { type LookupFileEntry, LOOKUP_MODE_ENV, readLookupFile } from "./lookup-file";
import { answerFromFixedFacts } from "./unchanging-facts";

/** Replay mode found no recorded entry for a deployment. */
export class LookupNotRecordedError extends ConfigurationError {}

/** The command that records missing entries, for messages. */
export const RECORD_COMMAND = `${LOOKUP_MODE_ENV}=record cdktf synth`;

/**
 * Replay mode: answers from the lookup file only. No network and no token; the facts carry the
 * time they were recorded, which the gate's `maxAgeMs` judges.
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
    return requests.map(({ deploymentId, wait }): DeploymentLookupResult => {
      const entry = entries.get(deploymentId);
      if (entry) {
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
