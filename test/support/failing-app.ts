/**
 * An app run in its own process by synth-errors.test.ts: it makes the mistake named by
 * `MISTAKE`, so the test sees exactly what a user's failed `cdktf synth` prints.
 */
import { App, TerraformStack } from "cdktf";
import { CoreweaveDeploymentData, DeploymentReadinessGate } from "../../src";
import { deploymentFixture, InMemoryDeploymentSource } from "../../src/testing";

const fixture = deploymentFixture("dep-1");
const { model: _model, ...specWithoutModel } = fixture.deployment.spec;
const source = new InMemoryDeploymentSource({
  "dep-1": fixture,
  "dep-no-model": {
    deployment: { ...fixture.deployment, spec: { ...specWithoutModel, id: "dep-no-model" } },
  },
});
const app = new App({ outdir: process.env.SYNTH_OUTDIR });
const stack = new TerraformStack(app, "serving");
const lookup = (deploymentId: string, extra: object = {}) =>
  new CoreweaveDeploymentData(stack, deploymentId, { deploymentId, source, ...extra });

switch (process.env.MISTAKE) {
  case "model-less":
    process.stdout.write(lookup("dep-no-model").modelBucket);
    break;
  case "gate-max-age-env":
    new DeploymentReadinessGate(stack, "gate", { deployment: lookup("dep-1") });
    break;
  case "gate-policy":
    new DeploymentReadinessGate(stack, "gate", {
      deployment: lookup("dep-1"),
      acceptedStatuses: ["READY"],
    });
    break;
  case "bad-wait":
    lookup("dep-1", { wait: { timeoutMs: 0 } });
    break;
  case "bad-id":
    lookup("dep/1");
    break;
  case "unknown-deployment":
    lookup("dep-missing");
    break;
  default:
    throw new Error(`unknown MISTAKE ${process.env.MISTAKE}`);
}
app.synth();
