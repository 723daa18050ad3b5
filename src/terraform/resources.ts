/**
 * The Terraform elements this package adds, built with the CDK library of the stack they go
 * into (see `cdk-library.ts`): `terraform_data` records and gates, the `null_resource` gate variant and
 * its provider, and the stack's `terraform.required_version`.
 *
 * Written on the libraries' base classes rather than cdktf's `DataResource` and
 * `@cdktf/provider-null`: `DataResource` adds a validation that runs `terraform version` through
 * a shell at every `app.synth()`, once per resource (about 50 ms each), and the prebuilt null
 * provider exists for cdktf only. The version requirement goes where Terraform checks it itself,
 * at no synth cost: the stack's `terraform.required_version`.
 */
import type { IConstruct } from "constructs";
import { type CdkLibrary, cdkFor } from "./cdk-library";
import type { TerraformResourceElement } from "./element-types";
import { isRecord } from "../api/text";

type Lifecycle = NonNullable<
  ConstructorParameters<CdkLibrary["TerraformResource"]>[2]["lifecycle"]
>;
type Attributes = Readonly<Record<string, unknown>>;

/** What one resource is: its type, its provider, its plain-JSON attributes. */
interface ResourceSpec {
  readonly type: string;
  readonly providerName: string;
  readonly attributes: Attributes;
  readonly lifecycle?: Lifecycle;
  /** The provider instance, for resources of a provider that is not built in. */
  readonly provider?: unknown;
}

type ResourceClass = new (
  scope: IConstruct,
  id: string,
  spec: ResourceSpec,
) => TerraformResourceElement;

const resourceClasses = new WeakMap<CdkLibrary, ResourceClass>();

/** One resource class per CDK library: a resource whose attributes are plain JSON data. */
function resourceClass(cdk: CdkLibrary): ResourceClass {
  let cached = resourceClasses.get(cdk);
  if (!cached) {
    cached = class extends cdk.TerraformResource {
      readonly #attributes: Attributes;

      constructor(scope: IConstruct, id: string, spec: ResourceSpec) {
        super(scope as never, id, {
          terraformResourceType: spec.type,
          terraformGeneratorMetadata: { providerName: spec.providerName },
          lifecycle: spec.lifecycle,
          provider: spec.provider as never,
        });
        this.#attributes = spec.attributes;
      }

      // As the generated bindings do (e.g. cdktf's DataResource), for JSON and HCL output.
      protected override synthesizeAttributes(): Record<string, unknown> {
        return mapValues(this.#attributes, (value) => cdk.hashMapper(cdk.anyToTerraform)(value));
      }

      protected override synthesizeHclAttributes(): Record<string, unknown> {
        return mapValues(this.#attributes, (value) =>
          cdk.hashMapperHcl(cdk.anyToHclTerraform)(value),
        );
      }
    } as unknown as ResourceClass;
    resourceClasses.set(cdk, cached);
  }
  return cached;
}

/** Terraform's built-in `terraform_data` (Terraform >= 1.4, OpenTofu): `input` is stored in state. */
export function terraformData(
  scope: IConstruct,
  id: string,
  config: { readonly input: Attributes; readonly lifecycle?: Lifecycle },
): TerraformResourceElement {
  const Resource = resourceClass(cdkFor(scope));
  const resource = new Resource(scope, id, {
    type: "terraform_data",
    providerName: "terraform",
    attributes: { input: config.input },
    lifecycle: config.lifecycle,
  });
  requireTerraformVersion(scope, ">= 1.4");
  return resource;
}

/**
 * A `null_resource` of the `hashicorp/null` provider. The stack's existing null provider is
 * used (matched by type, so one from `@cdktf/provider-null` counts), else one is added.
 */
export function nullResource(
  scope: IConstruct,
  id: string,
  config: { readonly triggers: Attributes; readonly lifecycle?: Lifecycle },
): TerraformResourceElement {
  const cdk = cdkFor(scope);
  const Resource = resourceClass(cdk);
  return new Resource(scope, id, {
    type: "null_resource",
    providerName: "null",
    attributes: { triggers: config.triggers },
    lifecycle: config.lifecycle,
    provider: nullProviderOf(cdk, scope),
  });
}

function nullProviderOf(cdk: CdkLibrary, scope: IConstruct): unknown {
  const stack = cdk.TerraformStack.of(scope as never);
  const existing = stack.node
    .findAll()
    .find((node) => node instanceof cdk.TerraformProvider && node.terraformResourceType === "null");
  if (existing) return existing;
  return new (class extends cdk.TerraformProvider {
    protected override synthesizeAttributes(): Record<string, unknown> {
      return {};
    }
  })(stack, "coreweave-gate-null-provider", {
    terraformResourceType: "null",
    terraformGeneratorMetadata: { providerName: "null", providerVersionConstraint: "~> 3.2" },
    terraformProviderSource: "hashicorp/null",
  });
}

/** The per-stack state of {@link requireTerraformVersion}. */
interface VersionRequirement {
  readonly constraints: Set<string>;
}

const versionRequirements = new WeakMap<object, VersionRequirement>();

/**
 * Adds `constraint` (e.g. `">= 1.4"`) to the stack's `terraform.required_version` at synth,
 * merged with a constraint the user set (`stack.addOverride("terraform.required_version", ...)`,
 * before or after), never replacing it. Terraform enforces every listed constraint.
 */
export function requireTerraformVersion(scope: IConstruct, constraint: string): void {
  const cdk = cdkFor(scope);
  const stack = cdk.TerraformStack.of(scope as never);
  let requirement = versionRequirements.get(stack);
  if (!requirement) {
    const constraints = new Set<string>();
    requirement = { constraints };
    versionRequirements.set(stack, requirement);
    cdk.Aspects.of(stack).add({
      visit(node) {
        if (node === stack) mergeRequiredVersion(stack, constraints);
      },
    });
  }
  requirement.constraints.add(constraint);
}

function mergeRequiredVersion(
  stack: { addOverride(path: string, value: unknown): void },
  constraints: ReadonlySet<string>,
): void {
  // The user's constraint lives in the stack's overrides (a field both libraries keep).
  const overrides = (stack as unknown as { rawOverrides?: unknown }).rawOverrides;
  const terraform = isRecord(overrides) && isRecord(overrides.terraform) ? overrides.terraform : {};
  const userConstraint =
    typeof terraform.required_version === "string" ? terraform.required_version : "";
  const ours = [...constraints].filter((constraint) => !userConstraint.includes(constraint));
  if (ours.length === 0) return;
  stack.addOverride(
    "terraform.required_version",
    [userConstraint, ...ours].filter(Boolean).join(", "),
  );
}

function mapValues(
  attributes: Attributes,
  map: (value: unknown) => unknown,
): Record<string, unknown> {
  return Object.fromEntries(Object.entries(attributes).map(([key, value]) => [key, map(value)]));
}
