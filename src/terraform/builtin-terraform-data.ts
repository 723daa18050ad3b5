import {
  Aspects,
  type Construct,
  type IAspect,
  type IConstruct,
  type TerraformMetaArguments,
  TerraformResource,
  TerraformStack,
} from "../cdk";

export interface BuiltinTerraformDataConfig extends TerraformMetaArguments {
  /** Plain JSON data, stored in state; a change shows in `terraform plan`. */
  readonly input?: Readonly<Record<string, unknown>>;
}

/**
 * Terraform's built-in `terraform_data` resource (Terraform >= 1.4, OpenTofu), as the records and
 * gates of this library use it.
 *
 * Not cdktf's `DataResource`: that one adds a validation that runs `terraform version` through a
 * shell at every `app.synth()`, once per resource (about 50 ms each). The version requirement is
 * put where Terraform checks it itself, at no synth cost: the stack's
 * `terraform.required_version` (see {@link requireTerraformVersion}).
 */
export class BuiltinTerraformData extends TerraformResource {
  readonly #input: Readonly<Record<string, unknown>> | undefined;

  constructor(scope: Construct, id: string, config: BuiltinTerraformDataConfig = {}) {
    super(scope, id, {
      terraformResourceType: "terraform_data",
      terraformGeneratorMetadata: { providerName: "terraform" },
      dependsOn: config.dependsOn,
      lifecycle: config.lifecycle,
    });
    this.#input = config.input;
    requireTerraformVersion(this, ">= 1.4");
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return { input: this.#input };
  }
}

/** The stack-level aspect that writes `terraform.required_version`; one per stack. */
class RequiredTerraformVersion implements IAspect {
  readonly constraints = new Set<string>();

  constructor(private readonly stack: TerraformStack) {}

  visit(node: IConstruct): void {
    if (node !== this.stack) return;
    const overrides = (this.stack as unknown as { rawOverrides?: unknown }).rawOverrides;
    const terraform =
      isRecord(overrides) && isRecord(overrides.terraform) ? overrides.terraform : {};
    const userConstraint = terraform.required_version;
    const ours = [...this.constraints].filter(
      (constraint) => typeof userConstraint !== "string" || !userConstraint.includes(constraint),
    );
    if (ours.length === 0) return;
    const merged = [typeof userConstraint === "string" ? userConstraint : "", ...ours]
      .filter(Boolean)
      .join(", ");
    this.stack.addOverride("terraform.required_version", merged);
  }
}

const aspects = new WeakMap<TerraformStack, RequiredTerraformVersion>();

/**
 * Adds `constraint` (e.g. `">= 1.4"`) to the stack's `terraform.required_version` at synth,
 * merged with a constraint the user set (`stack.addOverride("terraform.required_version", ...)`,
 * before or after), never replacing it. Terraform enforces every listed constraint.
 */
export function requireTerraformVersion(scope: Construct, constraint: string): void {
  const stack = TerraformStack.of(scope);
  let aspect = aspects.get(stack);
  if (!aspect) {
    aspect = new RequiredTerraformVersion(stack);
    aspects.set(stack, aspect);
    Aspects.of(stack).add(aspect);
  }
  aspect.constraints.add(constraint);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
