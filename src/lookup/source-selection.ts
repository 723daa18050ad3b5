/**
 * Which `DeploymentSource` a lookup uses when its props name none: one set for a scope (tests),
 * else the app-wide lookup mode (`COREWEAVE_LOOKUP_MODE`, or the cdktf context
 * `coreweaveLookupMode`): live, record or replay.
 */
import type { IConstruct } from "constructs";
import type { DeploymentSource } from "./deployment-source";
import { LiveDeploymentSource } from "./live-deployment-source";
import { lookupFilePath, lookupMode } from "./lookup-file";
import { RecordingDeploymentSource } from "./recording-deployment-source";
import { ReplayDeploymentSource } from "./replay-deployment-source";

/** The cdktf context key that may set the lookup mode (the environment variable wins). */
export const LOOKUP_MODE_CONTEXT = "coreweaveLookupMode";

const scopedSources = new WeakMap<IConstruct, DeploymentSource>();
/** One source per mode and file for the life of the process, so one synth reads a file once. */
const modeSources = new Map<string, DeploymentSource>();

/** Makes every lookup under `scope` (e.g. a test's `App`) use `source`, unless given another. */
export function useDeploymentSource(scope: IConstruct, source: DeploymentSource): void {
  scopedSources.set(scope, source);
}

/** The source a lookup at `scope` uses by default. */
export function deploymentSourceFor(scope?: IConstruct): DeploymentSource {
  for (let node = scope; node !== undefined; node = node.node.scope) {
    const source = scopedSources.get(node);
    if (source) return source;
  }
  const mode = lookupMode(process.env, scope?.node.tryGetContext(LOOKUP_MODE_CONTEXT));
  if (mode === "live") return LiveDeploymentSource.shared;
  const file = lookupFilePath();
  const key = `${mode}\u0000${file}`;
  let source = modeSources.get(key);
  if (!source) {
    source =
      mode === "record"
        ? new RecordingDeploymentSource(LiveDeploymentSource.shared, file)
        : new ReplayDeploymentSource(file);
    modeSources.set(key, source);
  }
  return source;
}
