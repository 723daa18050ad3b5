import { DataResource } from "cdktf";
import { Construct } from "constructs";
import { CoreweaveError } from "../api/errors";
import { evaluateReadiness } from "../api/readiness";
import type {
  Deployment,
  DeploymentAutoscaling,
  DeploymentCondition,
  DeploymentModel,
  DeploymentResources,
  DeploymentRuntime,
  DeploymentStatus,
  DeploymentTraffic,
} from "../api/schema";
import type { DeploymentSource } from "../lookup/deployment-source";
import { LiveDeploymentSource } from "../lookup/live-deployment-source";
import { escapeTemplatesDeep } from "../terraform-literals";

export interface CoreweaveDeploymentDataProps {
  /** ID of the existing inference deployment to read, as returned by CoreWeave's Create or List API. */
  readonly deploymentId: string;
  /**
   * Base URL of the CoreWeave API. Plain http is accepted only for loopback addresses.
   * @default process.env.COREWEAVE_API_ENDPOINT, else "https://api.coreweave.com"
   */
  readonly endpoint?: string;
  /**
   * CoreWeave API access token. Used for the HTTP call only: it never reaches `cdk.tf.json`,
   * Terraform state or any output. Prefer the environment variable, so the token stays out of code.
   * @default process.env.COREWEAVE_API_TOKEN
   */
  readonly apiToken?: string;
  /**
   * Time limit of one HTTP attempt, in milliseconds.
   * @default 10000
   */
  readonly attemptTimeoutMs?: number;
  /**
   * Time limit of the whole lookup including retries, in milliseconds.
   * @default 60000
   */
  readonly deadlineMs?: number;
  /**
   * Retries after the first attempt, for 408, 429, 5xx except 501, timeouts and connection errors.
   * @default 4
   */
  readonly maxRetries?: number;
  /**
   * Largest response body accepted, in bytes.
   * @default 1048576
   */
  readonly maxResponseBytes?: number;
  /**
   * Where the deployment facts come from.
   * @default LiveDeploymentSource.shared: the CoreWeave API over HTTP, cached per process
   */
  readonly source?: DeploymentSource;
}

/**
 * Synth failed because a deployment could not be looked up. `reason` is the typed error (a
 * `CoreweaveError` subclass); `constructPath` names the construct that asked.
 *
 * A failed synth prints this error the way Node prints any uncaught error. The message already
 * says everything a user can act on, so it prints as that one line: no internal frames, no
 * repeated nested error. That is why the typed error is `reason`, not `cause`: Node expands any
 * `cause` in full, frames included.
 */
export class DeploymentLookupError extends Error {
  readonly #constructPath: string;
  readonly #reason: CoreweaveError;

  constructor(constructPath: string, reason: CoreweaveError) {
    super(`${constructPath}: ${reason.message}`);
    this.name = "DeploymentLookupError";
    this.#constructPath = constructPath;
    this.#reason = reason;
    this.stack = `${this.name}: ${this.message}`;
  }

  get constructPath(): string {
    return this.#constructPath;
  }

  get reason(): CoreweaveError {
    return this.#reason;
  }
}

/**
 * Reads an existing CoreWeave inference deployment at synth time and exposes its facts as plain,
 * typed values (not tokens), so they can feed any construct and appear as literals in
 * `cdk.tf.json`. Also records a non-secret snapshot in a `terraform_data` resource, so
 * `cdktf plan` shows what changed in the deployment since the last apply.
 *
 * The lookup happens in the constructor. A failed lookup throws `DeploymentLookupError`.
 */
export class CoreweaveDeploymentData extends Construct {
  /** The deployment as validated from the API (deeply frozen). */
  readonly deployment: Deployment;
  readonly deploymentId: string;
  /** `""` when the API omits it. */
  readonly name: string;
  readonly gatewayIds: readonly string[];
  /** `undefined` when the API omits it (it is optional in the OpenAPI). */
  readonly model: DeploymentModel | undefined;
  readonly runtime: DeploymentRuntime | undefined;
  readonly resources: DeploymentResources | undefined;
  readonly autoscaling: DeploymentAutoscaling | undefined;
  readonly traffic: DeploymentTraffic | undefined;
  /** `""` when the API omits it. */
  readonly organizationId: string;
  readonly disabled: boolean;
  /** A `STATUS_*` value; `STATUS_UNSPECIFIED` when absent; unknown values are kept as sent. */
  readonly status: DeploymentStatus;
  readonly conditions: readonly DeploymentCondition[];
  readonly createdAt: string | undefined;
  readonly updatedAt: string | undefined;
  /**
   * Ready under the default policy: `STATUS_READY`, not disabled, every condition `True`.
   * Use `DeploymentReadinessGate` to stop a plan, and for another policy.
   */
  readonly isReady: boolean;
  /** The `terraform_data` resource that records the looked-up snapshot (no secrets). */
  readonly record: DataResource;

  constructor(scope: Construct, id: string, props: CoreweaveDeploymentDataProps) {
    super(scope, id);
    const source = props.source ?? LiveDeploymentSource.shared;
    const [result] = source.lookup([
      {
        deploymentId: props.deploymentId,
        connection: {
          endpoint: props.endpoint,
          apiToken: props.apiToken,
          attemptTimeoutMs: props.attemptTimeoutMs,
          deadlineMs: props.deadlineMs,
          maxRetries: props.maxRetries,
          maxResponseBytes: props.maxResponseBytes,
        },
      },
    ]);
    if (!result.ok) throw new DeploymentLookupError(this.node.path, result.error);

    const deployment = deepFreeze(structuredClone(result.deployment));
    const { spec, status } = deployment;
    this.deployment = deployment;
    this.deploymentId = spec.id;
    this.name = spec.name;
    this.gatewayIds = spec.gatewayIds;
    this.model = spec.model;
    this.runtime = spec.runtime;
    this.resources = spec.resources;
    this.autoscaling = spec.autoscaling;
    this.traffic = spec.traffic;
    this.organizationId = spec.organizationId;
    this.disabled = spec.disabled;
    this.status = status.status;
    this.conditions = status.conditions;
    this.createdAt = status.createdAt;
    this.updatedAt = status.updatedAt;
    this.isReady = evaluateReadiness(deployment).ready;
    this.record = new DataResource(this, "record", {
      input: escapeTemplatesDeep(deployment),
    });
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
