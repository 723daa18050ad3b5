/**
 * An app run in its own process by synth-errors.test.ts, in replay mode with a lookup file that
 * has no entries: two stacks read two unrecorded deployments. With `OWN_CHECK` set, the app's
 * own code refuses a placeholder value before synth, as an app that checks its inputs would.
 */
import { App, TerraformOutput, TerraformStack } from "cdktf";
import { CoreweaveDeploymentData } from "../../src";

const app = new App({ outdir: process.env.SYNTH_OUTDIR });
const first = new CoreweaveDeploymentData(new TerraformStack(app, "first"), "llama", {
  deploymentId: "dep-llama",
});
new TerraformOutput(first, "model", { value: first.modelBucket });
if (process.env.OWN_CHECK && first.gpuCount < 2) {
  throw new Error(`first/llama: serving needs 2 GPUs or more, got ${first.gpuCount}`);
}
new CoreweaveDeploymentData(new TerraformStack(app, "second"), "mistral", {
  deploymentId: "dep-mistral",
});
app.synth();
