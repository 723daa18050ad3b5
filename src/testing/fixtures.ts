/**
 * Builders of CoreWeave Inference API wire JSON for tests, examples and the demo.
 * Timestamps are fixed (never `Date.now()`) so snapshots stay stable.
 */
import type { DeploymentStatus, GetDeploymentResponseJson } from "../api/deployment";
import type { Scenario, WireCondition, WireDeployment } from "./emulator-types";

const CREATED_AT = "2025-01-15T10:00:00Z";
const UPDATED_AT = "2025-01-15T10:12:30Z";
const ZONE = "US-EAST-04A";

/**
 * Fields of {@link deploymentFixture} to replace. Each override replaces the whole field (no deep
 * merge); to leave a field out of the body, `delete` it from the result.
 */
export interface DeploymentFixtureOverrides {
  readonly name?: string;
  readonly gatewayIds?: readonly string[];
  readonly runtime?: WireDeployment["spec"]["runtime"];
  readonly resources?: WireDeployment["spec"]["resources"];
  readonly model?: WireDeployment["spec"]["model"];
  readonly autoscaling?: WireDeployment["spec"]["autoscaling"];
  readonly traffic?: WireDeployment["spec"]["traffic"];
  readonly organizationId?: string;
  readonly disabled?: boolean;
  /** `status.status`. */
  readonly status?: DeploymentStatus;
  readonly conditions?: readonly WireCondition[];
  readonly createdAt?: string;
  readonly updatedAt?: string;
}

/**
 * A complete `GET /v1alpha1/inference/deployments/{id}` body with every OpenAPI field filled:
 * by default a healthy, READY vLLM deployment on 8 H100s. Returns a fresh object on every call.
 * The result is also a {@link Scenario}: `emulator.setDeployment(id, deploymentFixture(id))`.
 */
export function deploymentFixture(
  id: string,
  overrides: DeploymentFixtureOverrides = {},
): GetDeploymentResponseJson {
  const body: GetDeploymentResponseJson = {
    deployment: {
      spec: {
        id,
        name: overrides.name ?? "llama-3-1-70b-instruct",
        gatewayIds: [...(overrides.gatewayIds ?? ["gw-3f9c2a1b", "gw-7d41e0c5"])],
        runtime: overrides.runtime ?? {
          engine: "vllm",
          version: "0.10.1",
          engineConfig: {
            "max-model-len": "8192",
            "tensor-parallel-size": "8",
            "gpu-memory-utilization": "0.9",
          },
        },
        resources: overrides.resources ?? { instanceType: "gd-8xh100ib-i128", gpuCount: 8 },
        model: overrides.model ?? {
          name: "meta-llama/Llama-3.1-70B-Instruct",
          bucket: "inference-models",
          path: "meta-llama/Llama-3.1-70B-Instruct",
        },
        autoscaling: overrides.autoscaling ?? {
          min: 1,
          max: 4,
          priority: 500,
          concurrency: 32,
          capacityClasses: ["CAPACITY_CLASS_RESERVED", "CAPACITY_CLASS_ON_DEMAND"],
        },
        traffic: overrides.traffic ?? { weight: 100 },
        organizationId: overrides.organizationId ?? "org-5e8a7c21",
        disabled: overrides.disabled ?? false,
      },
      status: {
        createdAt: overrides.createdAt ?? CREATED_AT,
        updatedAt: overrides.updatedAt ?? UPDATED_AT,
        conditions: [
          ...(overrides.conditions ?? [
            condition(
              "Ready",
              "True",
              "MinimumReplicasAvailable",
              "Deployment is serving traffic.",
            ),
            condition("Progressing", "True", "RolloutComplete", "All replicas are up to date."),
          ]),
        ],
        status: overrides.status ?? "STATUS_READY",
      },
    },
  };
  // Overrides are shared with the caller; copy so neither side can change the other.
  return structuredClone(body);
}

/**
 * The deployments `npm run emulator` serves when given no fixtures: `demo-ready`, `demo-creating`
 * (loading its model), `demo-failed` (image pull failing) and `demo-rollout` (CREATING for two
 * requests, then READY).
 */
export function demoScenarios(): Record<string, Scenario> {
  const creating = (id: string): GetDeploymentResponseJson =>
    deploymentFixture(id, {
      status: "STATUS_CREATING",
      conditions: [
        condition("Ready", "False", "ModelLoading", "Downloading weights from CAIOS"),
        condition("Progressing", "True", "ReplicasStarting", "Waiting for replicas to start."),
      ],
    });
  return {
    "demo-ready": deploymentFixture("demo-ready"),
    "demo-creating": creating("demo-creating"),
    "demo-failed": deploymentFixture("demo-failed", {
      status: "STATUS_FAILED",
      conditions: [
        condition("Ready", "False", "ImagePullBackOff", "Back-off pulling the runtime image."),
        condition("Progressing", "False", "ProgressDeadlineExceeded", "Rollout did not finish."),
      ],
    }),
    "demo-rollout": {
      steps: [{ ...creating("demo-rollout"), requests: 2 }, deploymentFixture("demo-rollout")],
    },
  };
}

function condition(type: string, status: string, reason: string, message: string): WireCondition {
  return { type, status, reason, message, zone: ZONE, lastUpdateTime: UPDATED_AT };
}
