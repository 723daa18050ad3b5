"""One Python bench sample (`npm run bench`), run as a fresh `python` process: the stack of one
gated deployment, with the library (`lookup`) or written from literals (`literal`: the same
`terraform_data` record and gate, from the JSON one real lookup wrote), then `app.synth()`.
argv[1] is a JSON config: {"mode", "library", "deploymentId", "outdir", "template"}."""

import importlib
import json
import sys
from typing import Any

config = json.loads(sys.argv[1])
cdk: Any = importlib.import_module(config["library"])
app = cdk.App(outdir=config["outdir"])
stack = cdk.TerraformStack(app, "bench")

if config["mode"] == "lookup":
    coreweave: Any = importlib.import_module(f"{config['library']}_coreweave_inference")
    deployment = coreweave.CoreweaveDeploymentData(stack, "dep-0", deployment_id=config["deploymentId"])
    gate = coreweave.DeploymentReadinessGate(stack, "dep-0-gate", deployment=deployment)
    if not gate.verdict.ready:
        raise RuntimeError(f"{config['deploymentId']} is not ready")
else:
    template = config["template"]

    def fill(text: str, record: str = "") -> Any:
        return json.loads(
            text.replace(template["idPlaceholder"], config["deploymentId"]).replace(
                template["recordPlaceholder"], record
            )
        )

    for name, expression in template["locals"].items():
        cdk.TerraformLocal(stack, name, expression)
    stack.add_override("terraform.required_version", template["requiredVersion"])
    constructs: Any = importlib.import_module("constructs")
    record = cdk.DataResource(
        constructs.Construct(stack, "dep-0"), "record", input=fill(template["record"])
    )
    # The record's address is a token until synth resolves it, as in the library's stack.
    gate = fill(template["gate"], record.fqn)
    cdk.DataResource(
        constructs.Construct(stack, "dep-0-gate"),
        "gate",
        input=gate["input"],
        lifecycle=cdk.TerraformResourceLifecycle(
            precondition=[
                cdk.Precondition(condition=p["condition"], error_message=p["error_message"])
                for p in gate["lifecycle"]["precondition"]
            ]
        ),
    )

app.synth()
