/**
 * An app run in its own process by exit-tail.test.ts: one lookup (and a gate when it succeeds),
 * then `app.synth()`. It writes the time of its last line, of `beforeExit` and of `exit` to
 * stderr, straight to the file descriptor, so the test can see how long it lives after its end.
 */
import { writeSync } from "node:fs";
import { App, TerraformStack } from "cdktf";
import { CoreweaveDeploymentData, DeploymentReadinessGate } from "../../src";

const mark = (what: string) =>
  writeSync(2, `mark ${what} ${performance.timeOrigin + performance.now()}\n`);

const app = new App({ outdir: process.env.SYNTH_OUTDIR });
const stack = new TerraformStack(app, "tail");
try {
  const deployment = new CoreweaveDeploymentData(stack, "d", {
    deploymentId: process.env.DEPLOYMENT_ID ?? "",
  });
  new DeploymentReadinessGate(stack, "gate", { deployment });
} catch (error) {
  writeSync(2, `caught ${(error as Error).name}\n`);
}
app.synth();
mark("last-line");
process.on("beforeExit", () => mark("beforeExit"));
process.on("exit", () => mark("exit"));
