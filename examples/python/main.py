"""A CDK Terrain app in Python: the model a CoreWeave deployment serves, as a stack output, and a
resource that waits for the deployment to be READY. CI synthesizes and plans it (for cdktf too,
with the imports renamed). Run it with COREWEAVE_API_TOKEN set: `cdktn plan`, or
`python3 main.py` and `terraform plan` in cdktf.out/stacks/serving."""

from cdktn import App, DataResource, TerraformOutput, TerraformStack

from cdktn_coreweave_inference import (
    CoreweaveDeploymentData,
    DeploymentReadinessGate,
    WaitOptions,
)

app = App()
stack = TerraformStack(app, "serving")

llama = CoreweaveDeploymentData(
    stack,
    "llama",
    deployment_id="dep-abc123",
    wait=WaitOptions(timeout_ms=600_000, poll_interval_ms=5_000),
)
TerraformOutput(stack, "model_uri", value=f"s3://{llama.model_bucket}/{llama.model_path}")
gate = DeploymentReadinessGate(stack, "llama-ready", deployment=llama)

# The deployment's facts are plain values: they feed any construct's props.
DataResource(
    stack,
    "traffic-switch",
    input={"gateways": llama.gateway_ids, "model": llama.model_name},
    depends_on=[gate],
)

app.synth()
