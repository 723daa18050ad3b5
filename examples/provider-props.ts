/**
 * Example (c): outputs straight into the props of a generated provider binding, with no casts.
 * Generated props take mutable `string[]` and `string`: `gatewayIds` and the flat model outputs
 * fit them as they are. `npm run typecheck` compiles this file, so a change of output types that
 * breaks this use fails CI. (Not part of examples/main.ts: the dns provider cannot be downloaded
 * offline, so this stack is synthesized in tests but not planned.)
 */
import { CnameRecord } from "@cdktf/provider-dns/lib/cname-record";
import { DnsProvider } from "@cdktf/provider-dns/lib/provider";
import { TxtRecordSet } from "@cdktf/provider-dns/lib/txt-record-set";
import { TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { CoreweaveDeploymentData, type DeploymentSource } from "../src";

export interface ServingDnsStackProps {
  readonly deploymentId: string;
  readonly zone: string;
  /** @default the CoreWeave API */
  readonly source?: DeploymentSource;
}

export class ServingDnsStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: ServingDnsStackProps) {
    super(scope, id);
    new DnsProvider(this, "dns");
    const llama = new CoreweaveDeploymentData(this, "llama", {
      deploymentId: props.deploymentId,
      source: props.source,
    });
    new TxtRecordSet(this, "gateways", {
      zone: props.zone,
      name: "llama-gateways",
      txt: llama.gatewayIds,
    });
    new CnameRecord(this, "weights", {
      zone: props.zone,
      name: "llama-weights",
      cname: `${llama.modelBucket}.object.example.com.`,
    });
  }
}
