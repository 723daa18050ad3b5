"""The app python.test.ts runs: one lookup of DEPLOYMENT_ID (waiting when WAIT_MS is set) and a
gate on it, in the CDK library LIBRARY (cdktn or cdktf); prints every output as JSON, then
synthesizes. A failed lookup raises, as it would in a user's app."""

import importlib
import json
import os
from typing import Any

library = os.environ["LIBRARY"]
cdk: Any = importlib.import_module(library)
coreweave: Any = importlib.import_module(f"{library}_coreweave_inference")


def plain(value: Any) -> Any:
    """A jsii value as JSON: structs as dicts of their snake_case fields."""
    if hasattr(value, "_values"):
        return {key: plain(item) for key, item in value._values.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value


app = cdk.App()
stack = cdk.TerraformStack(app, "serving")
wait_ms = os.environ.get("WAIT_MS")
data = coreweave.CoreweaveDeploymentData(
    stack,
    "llama",
    deployment_id=os.environ["DEPLOYMENT_ID"],
    wait=coreweave.WaitOptions(timeout_ms=int(wait_ms), poll_interval_ms=100) if wait_ms else None,
)
gate = coreweave.DeploymentReadinessGate(stack, "llama-ready", deployment=data)
cdk.DataResource(stack, "after", input={"gateways": data.gateway_ids}, depends_on=[gate])

outputs = {
    name: plain(getattr(data, name))
    for name in [
        "deployment_id", "name", "gateway_ids", "model", "runtime", "resources", "autoscaling",
        "traffic", "organization_id", "disabled", "status", "conditions", "created_at",
        "updated_at", "is_ready", "policy", "observed_at", "deployment",
    ]
}
if os.environ.get("READ_REQUIRED") != "0":
    for name in ["model_name", "model_bucket", "model_path", "runtime_engine", "instance_type", "gpu_count"]:
        outputs[name] = plain(getattr(data, name))
outputs["record_is_terraform_resource"] = isinstance(data.record, cdk.TerraformResource)
outputs["gate"] = {
    "verdict": plain(gate.verdict),
    "policy": plain(gate.policy),
    "max_age_ms": gate.max_age_ms,
    # An fqn is a token until synth: what depends_on takes is the resource's.
    "fqn_is_the_resource_fqn": gate.fqn == gate.resource.fqn,
}
print(json.dumps(outputs))
app.synth()
