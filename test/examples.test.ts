/** The examples synthesize to what they claim, from the in-memory source. */
import { Testing } from "cdktf";
import { CnameRecord } from "@cdktf/provider-dns/lib/cname-record";
import { TxtRecordSet } from "@cdktf/provider-dns/lib/txt-record-set";
import { deploymentFixture, InMemoryDeploymentSource } from "../src/testing";
import { ServingDnsStack } from "../examples/provider-props";

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
