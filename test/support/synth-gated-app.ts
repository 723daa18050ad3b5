/**
 * A CDKTF app run in its own process by e2e-guards.test.ts: SYNTH_COUNT gated lookups from an
 * in-memory source, synthesized by `app.synth()` with validation on, as `cdktf synth` does.
 * With SYNTH_WITH_DATA_RESOURCE set, it adds one cdktf `DataResource` (the control).
 */
import { App, DataResource, TerraformStack } from "cdktf";
import { CoreweaveDeploymentData, DeploymentReadinessGate } from "../../src";
import { deploymentFixture, InMemoryDeploymentSource } from "../../src/testing";

const count = Number(process.env.SYNTH_COUNT ?? "1");
const ids = Array.from({ length: count }, (_, i) => `dep-${i}`);
const source = new InMemoryDeploymentSource(
  Object.fromEntries(ids.map((id) => [id, deploymentFixture(id)])),
);
const app = new App({ outdir: process.env.SYNTH_OUTDIR });
const stack = new TerraformStack(app, "gated");
for (const id of ids) {
  const deployment = new CoreweaveDeploymentData(stack, id, { deploymentId: id, source });
  new DeploymentReadinessGate(stack, `${id}-ready`, { deployment });
}
if (process.env.SYNTH_WITH_DATA_RESOURCE) new DataResource(stack, "control");
app.synth();
