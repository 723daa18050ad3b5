/**
 * Which `DeploymentSource` a lookup uses when its props name none: one set for a scope (tests),
 * else the app-wide lookup mode (live, record or replay; `COREWEAVE_LOOKUP_MODE` or the cdktf
 * context). The top of the lookup layer: it knows every source, and no source knows it.
 */
import type { IConstruct } from "constructs";
import { ConfigurationError } from "../api/errors";
import {
  type DeploymentSource,
  LOOKUP_MODE_CONTEXT,
  LOOKUP_MODE_ENV,
  LOOKUP_MODES,
  type LookupMode,
} from "./deployment-source";
import { LiveDeploymentSource } from "./live-deployment-source";
import { lookupFilePath } from "./lookup-file";
import { RecordingDeploymentSource } from "./recording-deployment-source";
import { ReplayDeploymentSource } from "./replay-deployment-source";

const scopedSources = new WeakMap<IConstruct, DeploymentSource>();
/** One source per mode and file for the life of the process, so one synth reads a file once. */
const modeSources = new Map<string, DeploymentSource>();

/** Makes every lookup under `scope` (e.g. a test's `App`) use `source`, unless given another. */
export function useDeploymentSource(scope: IConstruct, source: DeploymentSource): void {
  scopedSources.set(scope, source);
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
    `${fromEnv ? LOOKUP_MODE_ENV : `The cdktf context "${LOOKUP_MODE_CONTEXT}"`} is ` +
      `${JSON.stringify(String(value)).slice(0, 40)}; use one of: ${LOOKUP_MODES.join(", ")}.`,
  );
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
  const source =
    modeSources.get(key) ??
    (mode === "record"
      ? new RecordingDeploymentSource(LiveDeploymentSource.shared, file)
      : new ReplayDeploymentSource(file));
  modeSources.set(key, source);
  return source;
}
