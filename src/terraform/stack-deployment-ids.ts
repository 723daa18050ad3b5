/** The list of deployment IDs a stack looks up, written into its `cdk.tf.json` for the CLI. */
import type { IConstruct } from "constructs";
import { DEPLOYMENT_IDS_KEY } from "../lookup/deployment-source";
import { cdkFor } from "./cdk-library";

const deploymentIdsByStack = new WeakMap<IConstruct, string[]>();

/**
 * Lists the lookup's deployment ID in its stack's `cdk.tf.json`, under the `//` comment that
 * Terraform ignores (see `DEPLOYMENT_IDS_KEY`). The override holds the stack's one array, which
 * later lookups extend: it is written out at synth.
 */
export function listInStack(scope: IConstruct, deploymentId: string): void {
  const stack = cdkFor(scope).TerraformStack.of(scope);
  let ids = deploymentIdsByStack.get(stack);
  if (!ids) {
    ids = [];
    deploymentIdsByStack.set(stack, ids);
    stack.addOverride(`//.${DEPLOYMENT_IDS_KEY}`, ids);
  }
  if (!ids.includes(deploymentId)) ids.push(deploymentId);
}
