/**
 * Mid-migration, an app can have both cdktf and cdktn installed: each stack gets Terraform
 * elements of its own library. (cdktn is loaded untyped here: one program cannot hold both
 * libraries' declarations.)
 */
import * as cdktf from "cdktf";
import { CoreweaveDeploymentData, DeploymentReadinessGate } from "../src";
import { loadedLibraries } from "../src/cdk";
import { deploymentFixture, InMemoryDeploymentSource } from "../src/testing";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdktn = require("cdktn") as typeof cdktf;

it("loads both libraries when both are installed", () => {
  expect(loadedLibraries()).toEqual(["cdktf", "cdktn"]);
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
