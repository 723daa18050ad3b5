import { ConfigurationError } from "../src/api/errors";
import { describeNotReady, evaluateReadiness, resolveReadinessPolicy } from "../src/api/readiness";
import { parseGetDeploymentResponse, type Deployment } from "../src/api/schema";

function deployment(
  status: string,
  conditions: Array<{ type: string; status: string; reason?: string; message?: string }>,
  disabled = false,
): Deployment {
  const parsed = parseGetDeploymentResponse({
    deployment: { spec: { id: "dep-1", disabled }, status: { status, conditions } },
  });
  if (!parsed.ok) throw new Error("fixture invalid");
  return parsed.deployment;
}

const healthy = [
  { type: "Ready", status: "True" },
  { type: "Progressing", status: "True" },
];

describe("evaluateReadiness", () => {
  it("is ready for STATUS_READY, enabled, every condition True", () => {
    expect(evaluateReadiness(deployment("STATUS_READY", healthy))).toEqual({
      ready: true,
      blockers: [],
    });
  });

  it.each([
    "STATUS_CREATING",
    "STATUS_UPDATING",
    "STATUS_DELETING",
    "STATUS_ERROR",
    "STATUS_FAILED",
    "STATUS_UNSPECIFIED",
    "STATUS_PAUSED",
  ])("is not ready for %s", (status) => {
    const verdict = evaluateReadiness(deployment(status, healthy));
    expect(verdict.ready).toBe(false);
    expect(verdict.blockers).toEqual([`status is ${status}; the gate accepts STATUS_READY`]);
  });

  it("is not ready when disabled, unless the policy allows it", () => {
    const d = deployment("STATUS_READY", healthy, true);
    expect(evaluateReadiness(d).blockers).toEqual([
      "the deployment is disabled (spec.disabled is true)",
    ]);
    expect(evaluateReadiness(d, resolveReadinessPolicy({ allowDisabled: true })).ready).toBe(true);
  });

  it("keeps API text in blockers to one clean, bounded line", () => {
    const d = deployment("STATUS_READY", [
      {
        type: "Ready",
        status: "False",
        reason: "Bad\u001b[31m",
        message: `line1\nline2 ${"x".repeat(500)}`,
      },
    ]);
    const [blocker] = evaluateReadiness(d).blockers;
    // eslint-disable-next-line no-control-regex
    expect(blocker).not.toMatch(/[\u0000-\u001f]/);
    expect(blocker).toContain("reason: Bad [31m; message: line1 line2 xxx");
    expect(blocker.length).toBeLessThan(450);
  });

  it("lists each condition that is not True with its reason and message", () => {
    const d = deployment("STATUS_READY", [
      { type: "Ready", status: "False", reason: "ModelLoading", message: "Downloading weights" },
      { type: "Progressing", status: "Unknown" },
      { type: "Scheduled", status: "True" },
    ]);
    const verdict = evaluateReadiness(d);
    expect(verdict.blockers).toEqual([
      "condition Ready is False (reason: ModelLoading; message: Downloading weights)",
      "condition Progressing is Unknown",
    ]);
    expect(describeNotReady(d, verdict)).toBe(
      [
        'CoreWeave deployment "dep-1" is not ready (status STATUS_READY):',
        "  - condition Ready is False (reason: ModelLoading; message: Downloading weights)",
        "  - condition Progressing is Unknown",
      ].join("\n"),
    );
  });

  it("checks only the required condition types, and requires them to be present", () => {
    const d = deployment("STATUS_READY", [
      { type: "Ready", status: "True" },
      { type: "Progressing", status: "False" },
    ]);
    expect(
      evaluateReadiness(d, resolveReadinessPolicy({ requiredConditions: ["Ready"] })).ready,
    ).toBe(true);
    expect(
      evaluateReadiness(d, resolveReadinessPolicy({ requiredConditions: ["Ready", "Available"] }))
        .blockers,
    ).toEqual(["required condition Available is not reported"]);
    expect(evaluateReadiness(d, resolveReadinessPolicy({ requiredConditions: [] })).ready).toBe(
      true,
    );
  });

  it("accepts other known statuses when the policy lists them", () => {
    const policy = resolveReadinessPolicy({
      acceptedStatuses: ["STATUS_READY", "STATUS_UPDATING"],
    });
    expect(evaluateReadiness(deployment("STATUS_UPDATING", healthy), policy).ready).toBe(true);
  });

  it("refuses a policy that accepts an unknown status or nothing at all", () => {
    expect(() => resolveReadinessPolicy({ acceptedStatuses: ["STATUS_PAUSED"] })).toThrow(
      ConfigurationError,
    );
    expect(() => resolveReadinessPolicy({ acceptedStatuses: ["STATUS_PAUSED"] })).toThrow(
      /"STATUS_PAUSED", which is not a known deployment status/,
    );
    expect(() => resolveReadinessPolicy({ acceptedStatuses: [] })).toThrow(/is empty/);
    for (const badType of [" ", "", "Ready ", "R${x}", "R%{y}", 'a"b']) {
      expect(() => resolveReadinessPolicy({ requiredConditions: [badType] })).toThrow(
        /which is not a condition type: use letters, digits/,
      );
    }
    expect(resolveReadinessPolicy({ requiredConditions: ["example.com/Available"] })).toMatchObject(
      {
        requiredConditions: ["example.com/Available"],
      },
    );
  });
});
