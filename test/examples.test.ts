/** The examples synthesize to what they claim, from the in-memory source. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Testing } from "cdktf";
import { parse } from "yaml";
import { CnameRecord } from "@cdktf/provider-dns/lib/cname-record";
import { TxtRecordSet } from "@cdktf/provider-dns/lib/txt-record-set";
import { deploymentFixture, InMemoryDeploymentSource } from "../src/testing";
import { ServingDnsStack } from "../examples/provider-props";
import { parseCommandLine } from "../src/cli/main";

it("feeds gatewayIds and modelBucket into a generated provider binding's props", () => {
  const fixture = deploymentFixture("dep-dns");
  const stack = new ServingDnsStack(Testing.app(), "dns", {
    deploymentId: "dep-dns",
    zone: "example.com.",
    source: new InMemoryDeploymentSource({ "dep-dns": fixture }),
  });
  const synth = Testing.synth(stack);
  expect(synth).toHaveResourceWithProperties(TxtRecordSet, {
    txt: fixture.deployment.spec.gatewayIds,
  });
  expect(synth).toHaveResourceWithProperties(CnameRecord, {
    cname: `${fixture.deployment.spec.model!.bucket}.object.example.com.`,
  });
});

/**
 * The pipeline examples: valid YAML, and every `coreweave-inference` command in them is one the
 * CLI accepts (its flags parse strictly), so a copied job does not fail on a typo. GitLab reads
 * the JUnit report the wait writes.
 */
describe.each(["github-actions.yml", "gitlab-ci.yml"])("examples/pipelines/%s", (file) => {
  const text = readFileSync(join(__dirname, "..", "examples", "pipelines", file), "utf8");
  const pipeline: unknown = parse(text);
  /** Every `coreweave-inference` command line in the pipeline's strings (steps, scripts). */
  const commands = (function find(value: unknown): string[] {
    if (typeof value === "string") {
      return [...value.matchAll(/npx coreweave-inference ([^\n]+)/g)].map((m) => m[1].trim());
    }
    if (typeof value === "object" && value !== null) return Object.values(value).flatMap(find);
    return [];
  })(pipeline);

  it("runs the CLI with flags it accepts", () => {
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) {
      const args = command.split(" ").map((arg) => arg.replace(/^"(.*)"$/, "$1"));
      expect(parseCommandLine(args)).toMatchObject({ command: expect.anything() });
    }
  });

  it("writes the JUnit report it publishes", () => {
    const junit = commands.flatMap((command) => /--junit (\S+)/.exec(command)?.[1] ?? []);
    expect(junit).toEqual(["coreweave-wait.xml"]);
    if (file === "gitlab-ci.yml") {
      expect(pipeline).toMatchObject({
        deploy: { artifacts: { reports: { junit: "coreweave-wait.xml" } } },
      });
    }
  });
});
