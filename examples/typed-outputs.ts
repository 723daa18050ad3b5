/**
 * Example (a): a deployment's facts, as plain typed values, feeding other constructs.
 * One route per gateway the deployment is attached to, and a config record built from the model.
 */
import { DataResource, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { CoreweaveDeploymentData } from "../src";

export interface ModelServingStackProps {
  readonly deploymentId: string;
}

export class ModelServingStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: ModelServingStackProps) {
    super(scope, id);
    const deployment = new CoreweaveDeploymentData(this, "deployment", {
      deploymentId: props.deploymentId,
    });

    // gatewayIds is a real string[] at synth time: loop over it like any array.
    for (const gatewayId of deployment.gatewayIds) {
      new DataResource(this, `route-${gatewayId}`, {
        input: { gateway_id: gatewayId, model: deployment.model?.name ?? deployment.name },
      });
    }

    // The model is optional in CoreWeave's OpenAPI; say so loudly rather than write a bad config.
    const model = deployment.model;
    if (!model) throw new Error(`Deployment ${deployment.deploymentId} reports no model.`);
    new DataResource(this, "model-config", {
      input: {
        model_uri: `s3://${model.bucket}/${model.path}`,
        engine: deployment.runtime?.engine ?? "unknown",
        gpus_per_replica: deployment.resources?.gpuCount ?? 0,
        max_replicas: deployment.autoscaling?.max ?? 0,
      },
    });

    new TerraformOutput(this, "gateway_ids", { value: deployment.gatewayIds });
    new TerraformOutput(this, "deployment_status", { value: deployment.status });
  }
}
