/**
 * Example (b): gate a rollout on readiness. `cdktf plan` fails, naming the deployment, its
 * status and every unmet condition, unless the deployment is READY.
 */
import { DataResource, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { CoreweaveDeploymentData, DeploymentReadinessGate } from "../src";

export interface GatedRolloutStackProps {
  readonly deploymentId: string;
}

export class GatedRolloutStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: GatedRolloutStackProps) {
    super(scope, id);
    const deployment = new CoreweaveDeploymentData(this, "deployment", {
      deploymentId: props.deploymentId,
    });
    const gate = new DeploymentReadinessGate(this, "ready", { deployment });

    // Stands in for whatever must not roll out before the model serves: DNS, a traffic switch...
    new DataResource(this, "rollout", {
      input: { deployment_id: deployment.deploymentId, gateways: deployment.gatewayIds },
      dependsOn: [gate],
    });
  }
}
