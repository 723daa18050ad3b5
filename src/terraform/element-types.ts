/**
 * The public shape of the Terraform elements this package creates, written structurally so that
 * its declarations name neither `cdktf` nor `cdktn`: an app with either library type-checks
 * them without `skipLibCheck`. At runtime the element is a real `TerraformResource` of the
 * app's library.
 */
import type { IConstruct } from "constructs";

/** What `dependsOn` takes, in cdktf and cdktn alike (`ITerraformDependable`). */
export interface TerraformDependable {
  readonly fqn: string;
}

/** A Terraform resource of the app's CDK library (`TerraformResource` of cdktf or cdktn). */
export interface TerraformResourceElement extends IConstruct, TerraformDependable {
  /** e.g. `terraform_data`. */
  readonly terraformResourceType: string;
  /** The resource's name in the synthesized configuration. */
  readonly friendlyUniqueId: string;
  /** Sets a raw attribute in the synthesized configuration (an escape hatch). */
  addOverride(path: string, value: unknown): void;
  /** Renames the resource in the synthesized configuration. */
  overrideLogicalId(newLogicalId: string): void;
  /** A reference to an attribute, e.g. `getStringAttribute("id")`. */
  getStringAttribute(terraformAttribute: string): string;
}
