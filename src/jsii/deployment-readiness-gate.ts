/**
 * `DeploymentReadinessGate` for jsii languages (Python...): the TypeScript construct's work
 * (`gateOnLookup`), exposed in the types jsii carries. It implements the app's CDK library's own
 * `ITerraformDependable`, so `depends_on=[gate]` takes it. Written against `cdktf`; the cdktn
 * build rewrites the import.
 */
import type { ITerraformDependable, TerraformResource } from "cdktf";
import { Construct } from "constructs";
import { gateOnLookup } from "../constructs/gate-on-lookup";
import type { CoreweaveDeploymentData } from "./coreweave-deployment-data";
import { throwOneLine } from "../api/errors";
import {
  type GateResourceType,
  policyOf,
  type ReadinessPolicy,
  type ReadinessVerdict,
} from "./structs";

/** Props of `DeploymentReadinessGate`; each policy field left unset is the lookup's. */
export interface DeploymentReadinessGateProps {
  /** The looked-up deployment to gate on. */
  readonly deployment: CoreweaveDeploymentData;
  /** Statuses that count as ready. @default the lookup's policy */
  readonly acceptedStatuses?: string[];
  /** Condition types that must be present and `True`. @default the lookup's policy */
  readonly requiredConditions?: string[];
  /** Whether a disabled deployment may count as ready. @default the lookup's policy */
  readonly allowDisabled?: boolean;
  /** The resource that carries the preconditions. @default GateResourceType.TERRAFORM_DATA */
  readonly resourceType?: GateResourceType;
  /**
   * The oldest lookup the gate accepts at plan time, in milliseconds.
   * @default COREWEAVE_GATE_MAX_AGE (a duration such as `2h`), else 900000 (15 min)
   */
  readonly maxAgeMs?: number;
}

/**
 * Stops `terraform plan` unless the deployment is ready and its lookup recent: one resource whose
 * preconditions Terraform evaluates from the lookup's record. Resources that must wait for
 * readiness take `depends_on=[gate]`.
 */
export class DeploymentReadinessGate extends Construct implements ITerraformDependable {
  /** The policy in force, defaults applied. */
  readonly policy: ReadinessPolicy;
  /** What the gate decided at synth time; Terraform reaches the same verdict at plan time. */
  readonly verdict: ReadinessVerdict;
  /** The resource holding the preconditions. */
  readonly resource: TerraformResource;
  /** The oldest lookup this gate accepts, in milliseconds. */
  readonly maxAgeMs: number;

  constructor(scope: Construct, id: string, props: DeploymentReadinessGateProps) {
    super(scope, id);
    const { deployment, ...options } = props;
    try {
      const gate = gateOnLookup(this, deployment, options);
      this.policy = policyOf(gate.policy);
      this.verdict = { ...gate.verdict, blockers: [...gate.verdict.blockers] };
      this.resource = gate.resource as unknown as TerraformResource;
      this.maxAgeMs = gate.maxAgeMs;
    } catch (error) {
      throwOneLine(error);
    }
  }

  /** Lets other resources say `depends_on=[gate]`. */
  get fqn(): string {
    return this.resource.fqn;
  }
}
