import { z } from "zod";
import type {
  CapacityClass,
  ConditionStatus,
  Deployment,
  DeploymentStatus,
  GetDeploymentResponseJson,
} from "./deployment";
import { formatPath } from "./text";

/**
 * Zod schema of `GET /v1alpha1/inference/deployments/{id}` (CoreWeave Inference API v1alpha1).
 *
 * Decisions, where the OpenAPI is silent:
 * - Unknown fields are tolerated and dropped: the API is alpha and may grow.
 * - Enums are "open": a value we do not know (a new `STATUS_*`, a new capacity class) parses,
 *   keeps its text, and is typed as `string`. Readiness checks compare against known values,
 *   so an unknown status can never count as READY.
 * - The API speaks proto3 JSON, which omits zero values. Absent strings read as `""`, absent
 *   lists as `[]`, absent `disabled` as `false`, and an absent status as `STATUS_UNSPECIFIED`
 *   (proto3's enum zero). Absent sub-objects (model, runtime, ...) stay `undefined`.
 * - `deployment` and `deployment.spec.id` are required: without them the answer identifies nothing.
 */

/** An enum that accepts values it does not know yet, keeping the known ones in the type. */
function openEnum<T extends string>() {
  return z.string() as unknown as z.ZodType<T, string>;
}

const UINT32_MAX = 4_294_967_295;
// One check, one issue: chained .int().max() reports 1e20 as "must be an integer" too. A
// non-finite number (`1e400` parses as Infinity) fails z.number() itself; see describeIssue.
const uint32 = z.number().superRefine((value, ctx) => {
  const problem = !Number.isInteger(value)
    ? "must be an integer, got a fraction"
    : value < 0
      ? "must be a non-negative integer (uint32)"
      : value > UINT32_MAX
        ? `must fit in uint32 (at most ${UINT32_MAX})`
        : undefined;
  if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
});
const dateTime = z.iso.datetime({ offset: true, message: "must be an RFC 3339 date-time" });
const protoString = z.string().default("");

export const conditionSchema = z.object({
  type: protoString,
  status: openEnum<ConditionStatus>().default(""),
  reason: protoString,
  message: protoString,
  zone: z.string().optional(),
  lastUpdateTime: dateTime.optional(),
});

export const deploymentSchema = z.object({
  spec: z.object({
    id: z.string().min(1, "must be a non-empty deployment ID"),
    name: protoString,
    gatewayIds: z.array(z.string()).default([]),
    runtime: z
      .object({
        engine: z.string(),
        version: z.string().optional(),
        engineConfig: z.record(z.string(), z.string()).optional(),
      })
      .optional(),
    resources: z.object({ instanceType: z.string(), gpuCount: uint32 }).optional(),
    model: z.object({ name: z.string(), bucket: z.string(), path: z.string() }).optional(),
    autoscaling: z
      .object({
        min: uint32,
        max: uint32,
        priority: uint32.optional(),
        concurrency: uint32.optional(),
        capacityClasses: z.array(openEnum<CapacityClass>()).default([]),
      })
      .optional(),
    traffic: z.object({ weight: uint32.optional() }).optional(),
    organizationId: protoString,
    disabled: z.boolean().default(false),
  }),
  status: z
    .object({
      createdAt: dateTime.optional(),
      updatedAt: dateTime.optional(),
      conditions: z.array(conditionSchema).default([]),
      status: openEnum<DeploymentStatus>().default("STATUS_UNSPECIFIED"),
    })
    .default({ conditions: [], status: "STATUS_UNSPECIFIED" }),
});

export const getDeploymentResponseSchema = z.object({ deployment: deploymentSchema });

/** `A` and `B` are the same type: each is assignable to the other. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// Compile-time proof that the schema validates into the hand-written public types, and reads
// exactly the wire shape they describe.
true satisfies Same<z.output<typeof deploymentSchema>, Deployment>;
true satisfies Same<z.input<typeof getDeploymentResponseSchema>, GetDeploymentResponseJson>;

/** One schema violation: where it is and what was expected. Never the offending value. */
export interface SchemaViolation {
  readonly path: string;
  readonly problem: string;
}

export type ParseResult =
  | { readonly ok: true; readonly deployment: Deployment }
  | { readonly ok: false; readonly violations: readonly SchemaViolation[] };

/** Why a body is not a valid answer for the deployment asked for, or the deployment it holds. */
export type DeploymentBodyCheck =
  | { readonly ok: true; readonly deployment: Deployment }
  | {
      readonly ok: false;
      readonly problem: "schema";
      readonly violations: readonly SchemaViolation[];
    }
  | { readonly ok: false; readonly problem: "other_deployment" };

/**
 * The one check of "a valid body for this ID", wherever a body comes from (an API answer, the
 * lookup file, an in-memory source): it matches the schema, and `deployment.spec.id` is `id`.
 */
export function checkDeploymentBody(body: unknown, deploymentId: string): DeploymentBodyCheck {
  const parsed = parseGetDeploymentResponse(body);
  if (!parsed.ok) return { ok: false, problem: "schema", violations: parsed.violations };
  if (parsed.deployment.spec.id !== deploymentId) return { ok: false, problem: "other_deployment" };
  return parsed;
}

/** Validates a decoded JSON body. Pure: no I/O, never throws. */
export function parseGetDeploymentResponse(body: unknown): ParseResult {
  const result = getDeploymentResponseSchema.safeParse(body, { reportInput: true });
  if (result.success) return { ok: true, deployment: result.data.deployment };
  return {
    ok: false,
    violations: result.error.issues.map((issue) => ({
      path: formatPath(issue.path) || "(response body)",
      problem: describeIssue(issue),
    })),
  };
}

// zod's own messages are mostly value-free, but we word them ourselves so that no future
// zod message can leak a value from the body into an error.
function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return `is required (${issue.expected})`;
      // JSON has no Infinity, but `1e400` parses as one: say so, not "must be number, got number".
      if (typeof issue.input === "number" && !Number.isFinite(issue.input)) {
        return "must be a finite number (got one too large to represent)";
      }
      return `must be ${issue.expected === "int" ? "an integer" : issue.expected}, got ${
        issue.input === null ? "null" : Array.isArray(issue.input) ? "array" : typeof issue.input
      }`;
    case "too_small":
    case "too_big":
    case "invalid_format":
    case "not_multiple_of":
    case "custom":
      return issue.message;
    default:
      return `is invalid (${issue.code})`;
  }
}
