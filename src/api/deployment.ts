/**
 * The types of a CoreWeave inference deployment (`GET /v1alpha1/inference/deployments/{id}`),
 * written out by hand. The zod schema in `schema.ts` validates answers into them and is checked
 * against them at compile time; keeping them apart means the package's public declarations do
 * not depend on zod's (users' apps type-check them without `skipLibCheck`), and a change of
 * validation library is not a change of API.
 */

export const KNOWN_DEPLOYMENT_STATUSES = [
  "STATUS_CREATING",
  "STATUS_READY",
  "STATUS_UPDATING",
  "STATUS_DELETING",
  "STATUS_ERROR",
  "STATUS_FAILED",
] as const;
export type KnownDeploymentStatus = (typeof KNOWN_DEPLOYMENT_STATUSES)[number];
/** A known status, or any other text the API may add later (never treated as ready). */
export type DeploymentStatus = KnownDeploymentStatus | "STATUS_UNSPECIFIED" | (string & {});

export type CapacityClass = "CAPACITY_CLASS_RESERVED" | "CAPACITY_CLASS_ON_DEMAND" | (string & {});

/** Only `"True"` counts as true; any other value, known or not, does not. */
export type ConditionStatus = "True" | "False" | "Unknown" | (string & {});

export interface DeploymentRuntime {
  engine: string;
  version?: string;
  engineConfig?: Record<string, string>;
}

export interface DeploymentResources {
  instanceType: string;
  gpuCount: number;
}

export interface DeploymentModel {
  name: string;
  bucket: string;
  path: string;
}

export interface DeploymentAutoscaling {
  min: number;
  max: number;
  priority?: number;
  concurrency?: number;
  capacityClasses: CapacityClass[];
}

export interface DeploymentTraffic {
  weight?: number;
}

export interface DeploymentCondition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  zone?: string;
  lastUpdateTime?: string;
}

export interface DeploymentSpec {
  id: string;
  name: string;
  gatewayIds: string[];
  runtime?: DeploymentRuntime;
  resources?: DeploymentResources;
  model?: DeploymentModel;
  autoscaling?: DeploymentAutoscaling;
  traffic?: DeploymentTraffic;
  organizationId: string;
  disabled: boolean;
}

export interface DeploymentStatusBlock {
  createdAt?: string;
  updatedAt?: string;
  conditions: DeploymentCondition[];
  status: DeploymentStatus;
}

/** A validated deployment: proto3 zero values filled in (`""`, `[]`, `false`). */
export interface Deployment {
  spec: DeploymentSpec;
  status: DeploymentStatusBlock;
}

/** One `deployment.status.conditions[]` entry as sent on the wire: every field may be omitted. */
export type WireCondition = Partial<DeploymentCondition>;

/**
 * The body of `GET /v1alpha1/inference/deployments/{id}` as sent on the wire (proto3 JSON omits
 * zero values): what the API, the emulator and the fixtures send.
 */
export interface GetDeploymentResponseJson {
  deployment: {
    spec: Partial<Omit<DeploymentSpec, "id" | "autoscaling">> & {
      id: string;
      autoscaling?: Omit<DeploymentAutoscaling, "capacityClasses"> & {
        capacityClasses?: CapacityClass[];
      };
    };
    status?: Partial<Omit<DeploymentStatusBlock, "conditions">> & {
      conditions?: WireCondition[];
    };
  };
}
