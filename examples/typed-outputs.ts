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
        input: { gateway_id: gatewayId, model: deployment.modelName },
      });
    }

    // The flat outputs are plain strings and numbers. The model, runtime and resources are
    // optional in CoreWeave's OpenAPI: reading modelBucket of a deployment without a model fails
    // synth with the construct path and the missing field, rather than writing "undefined".
    new DataResource(this, "model-config", {
      input: {
        model_uri: `s3://${deployment.modelBucket}/${deployment.modelPath}`,
        engine: deployment.runtimeEngine,
        gpus_per_replica: deployment.gpuCount,
        max_replicas: deployment.autoscaling?.max ?? 0,
      },
    });

    new TerraformOutput(this, "gateway_ids", { value: deployment.gatewayIds });
    new TerraformOutput(this, "deployment_status", { value: deployment.status });
  }
}
