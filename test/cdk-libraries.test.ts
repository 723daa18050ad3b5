/**
 * Mid-migration, an app can have both cdktf and cdktn installed: each stack gets Terraform
 * elements of its own library. (cdktn is loaded untyped here: one program cannot hold both
 * libraries' declarations.)
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import * as cdktf from "cdktf";
import { CoreweaveDeploymentData, DeploymentReadinessGate } from "../src";
import { installedLibraries } from "../src/terraform/cdk-library";
import { deploymentFixture, InMemoryDeploymentSource } from "../src/testing";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdktn = require("cdktn") as typeof cdktf;

it("finds both libraries when both are installed", () => {
  expect(installedLibraries()).toEqual(["cdktf", "cdktn"]);
});

it.each([
  ["cdktf", cdktf],
  ["cdktn", cdktn],
])("builds the elements of a %s stack with that library, and synthesizes", (_name, lib) => {
  const source = new InMemoryDeploymentSource({ "dep-1": deploymentFixture("dep-1") });
  const app = lib.Testing.app();
  const stack = new lib.TerraformStack(app, "s");
  const deployment = new CoreweaveDeploymentData(stack, "d", { deploymentId: "dep-1", source });
  const gate = new DeploymentReadinessGate(stack, "g", { deployment });
  new lib.TerraformOutput(stack, "gateways", { value: deployment.gatewayIds });
  expect(deployment.record).toBeInstanceOf(lib.TerraformResource);
  expect(gate.resource).toBeInstanceOf(lib.TerraformResource);
  const other = lib === cdktf ? cdktn : cdktf;
  expect(deployment.record).not.toBeInstanceOf(other.TerraformResource);
  const synthesized = JSON.parse(lib.Testing.synth(stack));
  expect(Object.keys(synthesized.resource.terraform_data)).toHaveLength(2);
  expect(synthesized.locals).toHaveProperty("coreweave_plan_epoch_seconds");
});

it("loads only the library the app uses, even when both are installed", () => {
  const script = `
    const { App, TerraformStack } = require("cdktf");
    const { CoreweaveDeploymentData, DeploymentReadinessGate } = require("./src");
    const { deploymentFixture, InMemoryDeploymentSource } = require("./src/testing");
    const source = new InMemoryDeploymentSource({ "dep-1": deploymentFixture("dep-1") });
    const stack = new TerraformStack(new App(), "s");
    const deployment = new CoreweaveDeploymentData(stack, "d", { deploymentId: "dep-1", source });
    new DeploymentReadinessGate(stack, "g", { deployment });
    const loaded = Object.keys(require.cache).filter((f) => /node_modules[\\\\/]cdktn[\\\\/]/.test(f));
    process.stdout.write(String(loaded.length));
  `;
  const run = spawnSync(process.execPath, ["--require", "tsx/cjs", "-e", script], {
    cwd: join(__dirname, ".."),
    encoding: "utf8",
  });
  expect(run.stderr).toBe("");
  expect(run.stdout).toBe("0");
});
