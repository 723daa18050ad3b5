/**
 * The literal stack's content, taken from what the library really writes: one lookup and gate
 * are synthesized (the probe), and their resources become templates. The literal stack then
 * writes the same JSON for N deployments from literals, so the bench compares lookups against
 * the same output, not against a smaller one.
 */
import type { LiteralTemplate } from "./sample-protocol";

const ID_PLACEHOLDER = "__BENCH_DEPLOYMENT_ID__";
const RECORD_PLACEHOLDER = "__BENCH_RECORD_ADDRESS__";

interface TerraformDataJson {
  readonly "//"?: { readonly metadata?: { readonly path?: string } };
  readonly input?: unknown;
  readonly lifecycle?: Readonly<Record<string, unknown>>;
}

interface StackJson {
  readonly locals?: Record<string, string>;
  readonly terraform?: { readonly required_version?: string };
  readonly resource?: { readonly terraform_data?: Record<string, TerraformDataJson> };
}

/** Builds the template from the probe's `cdk.tf.json` (one lookup of `deploymentId`, one gate). */
export function literalTemplate(stackJson: string, deploymentId: string): LiteralTemplate {
  const stack = JSON.parse(stackJson) as StackJson;
  const resources = Object.entries(stack.resource?.terraform_data ?? {});
  if (resources.length !== 2) {
    throw new Error(`the probe synthesized ${resources.length} terraform_data resources, not 2`);
  }
  const byPath = (suffix: string): [string, TerraformDataJson] => {
    const found = resources.find(([, resource]) =>
      resource["//"]?.metadata?.path?.endsWith(suffix),
    );
    if (!found) throw new Error(`the probe synthesized no resource at */${suffix}`);
    return found;
  };
  const [recordName, record] = byPath("/record");
  const [, gate] = byPath("/gate");
  // The sample turns `precondition` back into cdktf's lifecycle; anything else would be lost.
  const unsupported = Object.keys(gate.lifecycle ?? {}).filter((key) => key !== "precondition");
  if (unsupported.length > 0) {
    throw new Error(`the gate's lifecycle has ${unsupported.join(", ")}: teach bench/sample.ts`);
  }
  const withPlaceholders = (value: unknown): string =>
    JSON.stringify(value)
      .split(deploymentId)
      .join(ID_PLACEHOLDER)
      .split(`terraform_data.${recordName}`)
      .join(RECORD_PLACEHOLDER);
  return {
    idPlaceholder: ID_PLACEHOLDER,
    recordPlaceholder: RECORD_PLACEHOLDER,
    locals: stack.locals ?? {},
    requiredVersion: stack.terraform?.required_version ?? "",
    record: withPlaceholders(record.input),
    gate: withPlaceholders({ input: gate.input, lifecycle: gate.lifecycle }),
  };
}
