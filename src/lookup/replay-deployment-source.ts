/** Replay mode: lookups answered from the lookup file, with no network and no token. */
import { statSync } from "node:fs";
import { ENDPOINT_ENV, resolveEndpoint, TOKEN_ENV } from "../api/connection";
import { formatDuration } from "../api/duration";
import { ConfigurationError } from "../api/errors";
import { sanitizeText, shellWord } from "../api/text";
import {
  type DeploymentLookupRequest,
  type DeploymentLookupResult,
  type DeploymentSource,
  LOOKUP_CLOCK_SKEW_MS,
  LOOKUP_MODE_ENV,
} from "./deployment-source";
import { answerFromFixedFacts } from "./fixed-facts";
import { type LookupFileEntry, readLookupFile, RECORD_COMMAND } from "./lookup-file";
import { entryEndpoint } from "./recording-deployment-source";

/**
 * Replay mode found no recorded entry: for one deployment, as a lookup's answer (on which
 * `CoreweaveDeploymentData` stands a placeholder), and for every missing deployment of the app,
 * as the error `app.synth()` then fails with.
 */
export class LookupNotRecordedError extends ConfigurationError {}

/**
 * Replay mode: answers from the lookup file only (no network, no token), with the time each entry
 * was recorded, which the gate's `maxAgeMs` judges; see `LOOKUP_CLOCK_SKEW_MS` for future times.
 * An entry answers only a lookup configured for the endpoint it was recorded from: the file is
 * keyed by ID, and the same ID on another API (staging, another region) is another deployment.
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
    return requests.map(({ deploymentId, connection, wait }): DeploymentLookupResult => {
      const entry = entries.get(deploymentId);
      const record = `npx coreweave-inference lookups record ${shellWord(deploymentId)}`;
      if (!entry) {
        const error = new LookupNotRecordedError(
          `${this.file} ${this.#version === "missing" ? "does not exist, so it has" : "has"} ` +
            `no entry for CoreWeave deployment "${deploymentId}" (${LOOKUP_MODE_ENV}=replay). ` +
            `Record it with ${TOKEN_ENV} set: ${record}, or ${RECORD_COMMAND}.`,
          { deploymentId },
        );
        return { ok: false, error };
      }
      let endpoint: string;
      try {
        endpoint = entryEndpoint(connection);
      } catch (error) {
        if (!(error instanceof ConfigurationError)) throw error;
        return { ok: false, error };
      }
      const recordedFrom = recordedEndpoint(entry.endpoint);
      if (recordedFrom !== endpoint) {
        const error = new ConfigurationError(
          `${this.file}: the entry for CoreWeave deployment "${deploymentId}" was recorded from ` +
            `${sanitizeText(recordedFrom, 200) || '""'}, not from ${endpoint}, the API endpoint ` +
            "this lookup is configured for; replay answers only from entries of the same API. " +
            `Record it again against this endpoint with ${TOKEN_ENV} set: ${record}, or ` +
            `${RECORD_COMMAND}; or configure the endpoint it was recorded from (the endpoint ` +
            `prop, or ${ENDPOINT_ENV}).`,
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

/**
 * A recorded endpoint, normalized as a configured one is (`resolveEndpoint`: trailing slash, case
 * of the host, default port), so a file written by hand or by an older version still matches.
 * One that is no valid endpoint stays as written, and matches no configured endpoint.
 */
function recordedEndpoint(written: string): string {
  if (written.trim() === "") return written;
  try {
    return resolveEndpoint(written, {}).href;
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    return written;
  }
}
