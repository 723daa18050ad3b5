/**
 * The app the workflows in examples/pipelines/ deploy: one stack, "serving", that gates a rollout
 * on the deployment in DEPLOYMENT_ID (the workflows' variable) being READY. Copy it with the
 * workflow; `npm run pipeline-demo` runs the workflow's deploy job with it against the emulator.
 *
 *   DEPLOYMENT_ID        the deployment to roll out (required)
 *   CDKTF_OUTDIR         where to synthesize (default cdktf.out; `cdktf synth` sets it)
 *   PIPELINE_STATE_FILE  the local state file (default terraform.serving.tfstate in the current
 *                        directory); a real pipeline keeps state in a remote backend instead
 *
 * Plus COREWEAVE_API_TOKEN (and COREWEAVE_API_ENDPOINT), read by the lookup.
 */
import { App, LocalBackend } from "cdktf";
import { GatedRolloutStack } from "../../gated-rollout";

const deploymentId = process.env.DEPLOYMENT_ID?.trim();
if (!deploymentId) {
  console.error("DEPLOYMENT_ID is not set: name the CoreWeave deployment to roll out.");
  process.exit(2);
}

const app = new App({ outdir: process.env.CDKTF_OUTDIR || "cdktf.out" });
const stack = new GatedRolloutStack(app, "serving", { deploymentId });
new LocalBackend(stack, { path: process.env.PIPELINE_STATE_FILE || undefined });
app.synth();
