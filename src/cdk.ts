/**
 * The one module that imports the CDK library. Every construct of this package takes its CDKTF
 * classes from here, so the choice of CDK library is made in one place.
 */
export {
  Annotations,
  Aspects,
  Token,
  TerraformProvider,
  TerraformLocal,
  TerraformResource,
  TerraformStack,
  type IAspect,
  type ITerraformDependable,
  type Precondition,
  type TerraformMetaArguments,
} from "cdktf";
export { Construct, type IConstruct } from "constructs";
