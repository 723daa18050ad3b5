import { parseGetDeploymentResponse } from "../src/api/schema";
import type { GetDeploymentResponseJson } from "../src/api/deployment";

/** Every field of the OpenAPI, filled. */
const full: GetDeploymentResponseJson = {
  deployment: {
    spec: {
      id: "dep-1",
      name: "llama-prod",
      gatewayIds: ["gw-a", "gw-b"],
      runtime: { engine: "vllm", version: "0.9.1", engineConfig: { "max-model-len": "8192" } },
      resources: { instanceType: "gd-8xh100ib-i128", gpuCount: 8 },
      model: { name: "llama-3-70b", bucket: "models", path: "meta/llama-3-70b" },
      autoscaling: {
        min: 1,
        max: 4,
        priority: 500,
        concurrency: 16,
        capacityClasses: ["CAPACITY_CLASS_RESERVED", "CAPACITY_CLASS_ON_DEMAND"],
      },
      traffic: { weight: 100 },
      organizationId: "org-1",
      disabled: false,
    },
    status: {
      createdAt: "2026-01-02T03:04:05Z",
      updatedAt: "2026-01-02T04:05:06.123456789+01:00",
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "Serving",
          message: "all replicas ready",
          zone: "US-EAST-04A",
          lastUpdateTime: "2026-01-02T04:05:06Z",
        },
      ],
      status: "STATUS_READY",
    },
  },
};

function clone(): {
  deployment: { spec: Record<string, unknown>; status: Record<string, unknown> };
} {
  return structuredClone(full) as never;
}

function violations(body: unknown): string[] {
  const result = parseGetDeploymentResponse(body);
  if (result.ok) throw new Error("expected a schema violation");
  return result.violations.map((v) => `${v.path} ${v.problem}`);
}

describe("GetDeploymentResponse schema", () => {
  it("keeps every OpenAPI field, condition zone included", () => {
    const result = parseGetDeploymentResponse(full);
    expect(result).toEqual({ ok: true, deployment: full.deployment });
  });

  it("tolerates unknown fields anywhere and drops them", () => {
    const withExtras = {
      ...full,
      nextPageToken: "x",
      deployment: {
        ...full.deployment,
        etag: "abc",
        spec: { ...full.deployment.spec, futureField: { nested: true } },
      },
    };
    const result = parseGetDeploymentResponse(withExtras);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.deployment.spec).not.toHaveProperty("futureField");
      expect(result.deployment).not.toHaveProperty("etag");
    }
  });

  it("accepts unknown enum values without treating them as known", () => {
    const body = clone();
    body.deployment.status.status = "STATUS_PAUSED";
    (body.deployment.spec.autoscaling as Record<string, unknown>).capacityClasses = [
      "CAPACITY_CLASS_SPOT",
    ];
    (body.deployment.status.conditions as Array<Record<string, unknown>>)[0].status = "Degraded";
    const result = parseGetDeploymentResponse(body);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.deployment.status.status).toBe("STATUS_PAUSED");
      expect(result.deployment.spec.autoscaling?.capacityClasses).toEqual(["CAPACITY_CLASS_SPOT"]);
      expect(result.deployment.status.conditions[0].status).toBe("Degraded");
    }
  });

  it("applies proto3 zero values for omitted scalars and lists", () => {
    const result = parseGetDeploymentResponse({ deployment: { spec: { id: "dep-1" } } });
    expect(result).toEqual({
      ok: true,
      deployment: {
        spec: { id: "dep-1", name: "", gatewayIds: [], organizationId: "", disabled: false },
        status: { conditions: [], status: "STATUS_UNSPECIFIED" },
      },
    });
  });

  it.each([
    ["missing deployment", {}, "deployment is required (object)"],
    ["missing spec.id", { deployment: { spec: {} } }, "deployment.spec.id is required (string)"],
    [
      "empty spec.id",
      { deployment: { spec: { id: "" } } },
      "deployment.spec.id must be a non-empty",
    ],
    ["body not an object", [1, 2], "(response body) must be object, got array"],
  ])("rejects %s", (_name, body, expected) => {
    expect(violations(body).join("\n")).toContain(expected);
  });

  it.each([
    [
      "spec.gatewayIds",
      (b: ReturnType<typeof clone>) => (b.deployment.spec.gatewayIds = "gw-a" as never),
      "deployment.spec.gatewayIds must be array, got string",
    ],
    [
      "spec.gatewayIds[1]",
      (b: ReturnType<typeof clone>) => (b.deployment.spec.gatewayIds = ["gw-a", 7] as never),
      "deployment.spec.gatewayIds[1] must be string, got number",
    ],
    [
      "spec.disabled",
      (b: ReturnType<typeof clone>) => (b.deployment.spec.disabled = "no" as never),
      "deployment.spec.disabled must be boolean",
    ],
    [
      "spec.name",
      (b: ReturnType<typeof clone>) => (b.deployment.spec.name = null as never),
      "deployment.spec.name must be string, got null",
    ],
    [
      "spec.organizationId",
      (b: ReturnType<typeof clone>) => (b.deployment.spec.organizationId = 1 as never),
      "deployment.spec.organizationId must be string",
    ],
    [
      "runtime.engine",
      (b: ReturnType<typeof clone>) => (b.deployment.spec.runtime = { version: "1" } as never),
      "deployment.spec.runtime.engine is required",
    ],
    [
      "runtime.engineConfig",
      (b: ReturnType<typeof clone>) =>
        (b.deployment.spec.runtime = { engine: "vllm", engineConfig: { a: 1 } } as never),
      "deployment.spec.runtime.engineConfig.a must be string",
    ],
    [
      "resources.gpuCount negative",
      (b: ReturnType<typeof clone>) =>
        (b.deployment.spec.resources = { instanceType: "x", gpuCount: -1 } as never),
      "deployment.spec.resources.gpuCount must be a non-negative integer",
    ],
    [
      "resources.gpuCount fraction",
      (b: ReturnType<typeof clone>) =>
        (b.deployment.spec.resources = { instanceType: "x", gpuCount: 1.5 } as never),
      "deployment.spec.resources.gpuCount must be an integer",
    ],
    [
      "resources.instanceType",
      (b: ReturnType<typeof clone>) => (b.deployment.spec.resources = { gpuCount: 1 } as never),
      "deployment.spec.resources.instanceType is required",
    ],
    [
      "model.bucket",
      (b: ReturnType<typeof clone>) =>
        (b.deployment.spec.model = { name: "m", path: "p" } as never),
      "deployment.spec.model.bucket is required",
    ],
    [
      "autoscaling.max over uint32",
      (b: ReturnType<typeof clone>) =>
        (b.deployment.spec.autoscaling = { min: 1, max: 2 ** 32 } as never),
      "deployment.spec.autoscaling.max must fit in uint32",
    ],
    [
      "autoscaling.priority",
      (b: ReturnType<typeof clone>) =>
        (b.deployment.spec.autoscaling = { min: 1, max: 1, priority: "high" } as never),
      "deployment.spec.autoscaling.priority must be number",
    ],
    [
      "autoscaling.capacityClasses",
      (b: ReturnType<typeof clone>) =>
        (b.deployment.spec.autoscaling = { min: 1, max: 1, capacityClasses: [3] } as never),
      "deployment.spec.autoscaling.capacityClasses[0] must be string",
    ],
    [
      "traffic.weight",
      (b: ReturnType<typeof clone>) => (b.deployment.spec.traffic = { weight: -5 } as never),
      "deployment.spec.traffic.weight must be a non-negative integer",
    ],
    [
      "status.createdAt",
      (b: ReturnType<typeof clone>) => (b.deployment.status.createdAt = "yesterday"),
      "deployment.status.createdAt must be an RFC 3339 date-time",
    ],
    [
      "status.updatedAt without zone",
      (b: ReturnType<typeof clone>) => (b.deployment.status.updatedAt = "2026-01-02T03:04:05"),
      "deployment.status.updatedAt must be an RFC 3339 date-time",
    ],
    [
      "status.status",
      (b: ReturnType<typeof clone>) => (b.deployment.status.status = 1),
      "deployment.status.status must be string",
    ],
    [
      "conditions[0].lastUpdateTime",
      (b: ReturnType<typeof clone>) =>
        ((b.deployment.status.conditions as Array<Record<string, unknown>>)[0].lastUpdateTime =
          "soon"),
      "deployment.status.conditions[0].lastUpdateTime must be an RFC 3339 date-time",
    ],
    [
      "conditions[0].zone",
      (b: ReturnType<typeof clone>) =>
        ((b.deployment.status.conditions as Array<Record<string, unknown>>)[0].zone = 4),
      "deployment.status.conditions[0].zone must be string",
    ],
  ])("names the path of an invalid %s", (_field, mutate, expected) => {
    const body = clone();
    mutate(body);
    expect(violations(body).join("\n")).toContain(expected);
  });

  it.each([
    ["1e400", "must be a finite number (got one too large to represent)"],
    ["-1e400", "must be a finite number (got one too large to represent)"],
    ["1e20", "must fit in uint32 (at most 4294967295)"],
    ["4294967296", "must fit in uint32 (at most 4294967295)"],
    ["9007199254740993", "must fit in uint32 (at most 4294967295)"],
    ["-3", "must be a non-negative integer (uint32)"],
    ["2.5", "must be an integer, got a fraction"],
    ['"8"', "must be number, got string"],
  ])("says what is wrong with gpuCount %s, in one violation", (literal, problem) => {
    const body = JSON.parse(
      `{"deployment":{"spec":{"id":"dep-1","resources":{"instanceType":"x","gpuCount":${literal}}}}}`,
    );
    expect(violations(body)).toEqual([`deployment.spec.resources.gpuCount ${problem}`]);
  });

  it("accepts the uint32 bounds", () => {
    for (const gpuCount of [0, 4294967295]) {
      const body = {
        deployment: { spec: { id: "d", resources: { instanceType: "x", gpuCount } } },
      };
      expect(parseGetDeploymentResponse(body).ok).toBe(true);
    }
  });

  it("shows body keys as one printable, bounded line", () => {
    const body = clone();
    body.deployment.spec.runtime = {
      engine: "vllm",
      engineConfig: { "a\u202Eb\u2028c\u200Bd\u001be": 1, [`k${"x".repeat(60)}`]: 2 },
    };
    expect(violations(body)).toEqual([
      'deployment.spec.runtime.engineConfig["a?b?c?d?e"] must be string, got number',
      `deployment.spec.runtime.engineConfig.k${"x".repeat(39)} must be string, got number`.replace(
        `.k${"x".repeat(39)}`,
        `["k${"x".repeat(39)}…"]`,
      ),
    ]);
  });

  it("never puts the offending value into a violation", () => {
    const body = clone();
    body.deployment.spec.gatewayIds = "leaked-value-123" as never;
    body.deployment.status.createdAt = "leaked-date-456";
    expect(violations(body).join("\n")).not.toMatch(/leaked/);
  });
});
