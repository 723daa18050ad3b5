/** Record mode: lookups answered by the API, and written to the lookup file as they pass. */
import { type ConnectionOptions, resolveEndpoint } from "../api/connection";
import type {
  DeploymentLookupRequest,
  DeploymentLookupResult,
  DeploymentSource,
} from "./deployment-source";
import { type LookupFileEntry, updateLookupFile } from "./lookup-file";

/**
 * The `endpoint` an entry is recorded under for a lookup with this connection: the API base URL
 * it is configured for (the `endpoint` option, else `COREWEAVE_API_ENDPOINT`, else the default),
 * normalized as the client resolves it. Replay requires an entry to hold the same.
 */
export function entryEndpoint(connection: ConnectionOptions): string {
  return resolveEndpoint(connection.endpoint).href;
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
        endpoint: entryEndpoint(requests[index].connection),
        deployment: result.deployment,
      });
    });
    updateLookupFile(this.file, recorded);
    return results;
  }
}
