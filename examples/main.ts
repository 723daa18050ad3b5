/**
 * The examples' CDKTF app (see cdktf.json). Reads COREWEAVE_API_ENDPOINT and COREWEAVE_API_TOKEN
 * like any app using this library; `npm run demo` points them at the local emulator.
 */
import { App } from "cdktf";
import { GatedRolloutStack } from "./gated-rollout";
import { ModelServingStack } from "./typed-outputs";

const app = new App();
new ModelServingStack(app, "model-serving", {
  deploymentId: process.env.MODEL_DEPLOYMENT_ID ?? "demo-ready",
});
new GatedRolloutStack(app, "rollout", {
  deploymentId: process.env.ROLLOUT_DEPLOYMENT_ID ?? "demo-ready",
});
app.synth();
