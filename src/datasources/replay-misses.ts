/**
 * Replay misses: a lookup the lookup file has no entry for. Like AWS CDK with missing context, the
 * lookup stands on placeholder facts, so the rest of the app is built and one failed synth names
 * every missing ID; and no placeholder ever reaches a `cdk.tf.json`.
 */
import type { IConstruct } from "constructs";
import { TOKEN_ENV } from "../api/connection";
import { throwOneLine } from "../api/errors";
import { shellWord } from "../api/text";
import type { Deployment } from "../api/deployment";
import { LOOKUP_FILE_NAME } from "../lookup/deployment-source";
import { RECORD_COMMAND } from "../lookup/lookup-file";
import { LookupNotRecordedError } from "../lookup/replay-deployment-source";
import { type CdkLibrary, cdkFor } from "../terraform/cdk-library";

/**
 * Every text output of a placeholder. Plausible text (lowercase letters and hyphens, fit for a
 * bucket or DNS name), so that app code which checks a value before synth does not stop the app
 * before synth can name every missing ID.
 */
export const PLACEHOLDER_TEXT = "coreweave-not-recorded";
/** A placeholder was never observed: the epoch, which every freshness check refuses. */
export const PLACEHOLDER_OBSERVED_AT = new Date(0).toISOString();

/**
 * The facts a replay miss stands on until synth fails: shaped like a deployment with a model,
 * a runtime, resources (`gpuCount` 1, safe to divide by) and one gateway, so app code takes its
 * usual path; never ready (`STATUS_UNSPECIFIED`, which no readiness policy may accept).
 */
export function placeholderDeployment(deploymentId: string): Deployment {
  const text = PLACEHOLDER_TEXT;
  return {
    spec: {
      id: deploymentId,
      name: text,
      gatewayIds: [text],
      model: { name: text, bucket: text, path: text },
      runtime: { engine: text },
      resources: { instanceType: text, gpuCount: 1 },
      organizationId: text,
      disabled: false,
    },
    status: { status: "STATUS_UNSPECIFIED", conditions: [] },
  };
}

const missingByApp = new WeakMap<IConstruct, Set<string>>();

/**
 * Notes a replay miss of `lookup` (a `CoreweaveDeploymentData` on placeholder facts), prints it
 * at once (in case the app's own code stops before synth, on a placeholder value), and adds a
 * child element that fails synth with every missing ID of the app.
 *
 * Why an element and not a stack validation: `app.synth()` prepares every stack (which renders
 * each element's `toTerraform()`) before it synthesizes and writes any of them, in cdktf 0.21
 * and cdktn 0.24 alike, and does so even with `skipValidation`. A validation runs per stack, just
 * before that stack is written, so the stacks before it in the tree would be written already (a
 * placeholder value handed to one of them included), and `skipValidation` would skip it.
 */
export function reportNotRecorded(lookup: IConstruct, deploymentId: string): void {
  const root = lookup.node.root;
  let missing = missingByApp.get(root);
  if (!missing) {
    missing = new Set<string>();
    missingByApp.set(root, missing);
  }
  if (!missing.has(deploymentId)) {
    missing.add(deploymentId);
    process.stderr.write(
      `${lookup.node.path}: CoreWeave deployment "${deploymentId}" is not recorded (replay ` +
        "mode); its outputs are placeholders until synth, which will fail listing every " +
        "missing deployment.\n",
    );
  }
  new (guardClass(cdkFor(lookup)))(lookup, "not-recorded", missing);
}

/** The one error a synth with replay misses fails with. */
function notRecordedError(missing: ReadonlySet<string>): LookupNotRecordedError {
  const ids = [...missing];
  return new LookupNotRecordedError(
    `${LOOKUP_FILE_NAME} (replay mode) has no entry for ${ids.length} CoreWeave ` +
      `deployment${ids.length === 1 ? "" : "s"}: ${ids.map((id) => JSON.stringify(id)).join(", ")}. ` +
      `Record them with ${TOKEN_ENV} set: npx coreweave-inference lookups record ` +
      `${ids.map(shellWord).join(" ")}, or ${RECORD_COMMAND}.`,
  );
}

type GuardClass = new (scope: IConstruct, id: string, missing: ReadonlySet<string>) => IConstruct;
const guardClasses = new WeakMap<CdkLibrary, GuardClass>();

/**
 * A Terraform element that renders nothing and refuses to be rendered: whichever stack is
 * prepared (or synthesized with `Testing`) first throws the app's list of missing IDs, as it is
 * by then, since the app has built every construct. One class per CDK library, since a stack
 * takes elements of its own library only.
 */
function guardClass(cdk: CdkLibrary): GuardClass {
  let cached = guardClasses.get(cdk);
  if (!cached) {
    cached = class extends cdk.TerraformElement {
      readonly #missing: ReadonlySet<string>;

      constructor(scope: IConstruct, id: string, missing: ReadonlySet<string>) {
        super(scope as never, id);
        this.#missing = missing;
      }

      override toTerraform(): never {
        throwOneLine(notRecordedError(this.#missing));
      }

      override toHclTerraform(): never {
        throwOneLine(notRecordedError(this.#missing));
      }
    } as unknown as GuardClass;
    guardClasses.set(cdk, cached);
  }
  return cached;
}
