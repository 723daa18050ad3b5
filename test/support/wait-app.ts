/**
 * An app run in its own process by lookup-modes.test.ts: one lookup that waits for READY, so
 * the test can read the progress lines the lookup thread writes to the process's stderr.
 */
import { App, TerraformStack } from "cdktf";
import { CoreweaveDeploymentData } from "../../src";

const app = new App({ outdir: process.env.SYNTH_OUTDIR });
const d = new CoreweaveDeploymentData(new TerraformStack(app, "waiting"), "d", {
  deploymentId: process.env.DEPLOYMENT_ID ?? "",
  wait: { timeoutMs: 30_000, pollIntervalMs: 100 },
});
app.synth();
process.stdout.write(`${d.status}\n`);
