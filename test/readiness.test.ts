import { ConfigurationError } from "../src/api/errors";
import {
  describeNotReady,
  evaluateReadiness,
  policyWarnings,
  resolveReadinessPolicy,
} from "../src/api/readiness";
import { parseGetDeploymentResponse } from "../src/api/schema";
import type { Deployment } from "../src/api/deployment";

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
    expect(verdict.blockers).toEqual([`status is ${status}; ready needs STATUS_READY`]);
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

  it("accepts an unknown STATUS_* only when named, with a warning; refuses what is no status", () => {
    const policy = resolveReadinessPolicy({ acceptedStatuses: ["STATUS_READY", "STATUS_RUNNING"] });
    expect(policyWarnings(policy)).toEqual([
      expect.stringMatching(
        /^acceptedStatuses lists STATUS_RUNNING, which this version .* does not know/,
      ),
    ]);
    expect(policyWarnings(resolveReadinessPolicy())).toEqual([]);
    expect(evaluateReadiness(deployment("STATUS_RUNNING", healthy), policy).ready).toBe(true);
    // Not named: never ready.
    expect(evaluateReadiness(deployment("STATUS_RUNNING", healthy)).ready).toBe(false);
    for (const bad of ["READY", "status_ready", "STATUS_", "STATUS_UNSPECIFIED", "STATUS_${x}"]) {
      expect(() => resolveReadinessPolicy({ acceptedStatuses: [bad] })).toThrow(ConfigurationError);
      expect(() => resolveReadinessPolicy({ acceptedStatuses: [bad] })).toThrow(
        /which is not a status that can count as ready/,
      );
    }
  });

  it("refuses a policy that accepts nothing, or names a condition type that cannot be one", () => {
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

describe("terminal verdicts", () => {
  it.each(["STATUS_FAILED", "STATUS_ERROR"])("marks %s terminal", (status) => {
    const verdict = evaluateReadiness(deployment(status, healthy));
    expect(verdict.terminal).toBe(
      `status ${status} is terminal: the deployment will not become ready by itself`,
    );
  });

  it("marks a disabled deployment terminal unless the policy allows disabled", () => {
    const disabled = deployment("STATUS_CREATING", healthy, true);
    expect(evaluateReadiness(disabled).terminal).toMatch(
      /^the deployment is disabled: CoreWeave tears/,
    );
    const allowed = resolveReadinessPolicy({ allowDisabled: true });
    expect(evaluateReadiness(disabled, allowed).terminal).toBeUndefined();
  });

  it("is not terminal for statuses that move on, nor for an accepted terminal status", () => {
    expect(evaluateReadiness(deployment("STATUS_CREATING", healthy)).terminal).toBeUndefined();
    expect(evaluateReadiness(deployment("STATUS_PAUSED", healthy)).terminal).toBeUndefined();
    const acceptsError = resolveReadinessPolicy({ acceptedStatuses: ["STATUS_ERROR"] });
    expect(evaluateReadiness(deployment("STATUS_ERROR", healthy), acceptsError).ready).toBe(true);
  });
});

describe("freshness bound (notBefore)", () => {
  function timed(updatedAt: string | undefined, readyAt: string | undefined): Deployment {
    const parsed = parseGetDeploymentResponse({
      deployment: {
        spec: { id: "dep-1" },
        status: {
          status: "STATUS_READY",
          updatedAt,
          conditions: [{ type: "Ready", status: "True", lastUpdateTime: readyAt }],
        },
      },
    });
    if (!parsed.ok) throw new Error("fixture invalid");
    return parsed.deployment;
  }
  const policy = resolveReadinessPolicy();
  const notBefore = "2026-03-01T12:00:00Z";

  it("counts READY reported at or after notBefore", () => {
    const fresh = timed("2026-03-01T12:00:00Z", "2026-03-01T12:05:00Z");
    expect(evaluateReadiness(fresh, policy, { notBefore }).ready).toBe(true);
  });

  it("does not count the previous READY: updatedAt before notBefore", () => {
    const verdict = evaluateReadiness(timed("2026-03-01T11:59:59Z", undefined), policy, {
      notBefore,
    });
    expect(verdict.blockers).toEqual([
      `status.updatedAt 2026-03-01T11:59:59Z is before ${notBefore}: the status predates the change`,
    ]);
  });

  it("does not count a Ready condition older than notBefore, even with a fresh updatedAt", () => {
    const verdict = evaluateReadiness(
      timed("2026-03-01T12:01:00Z", "2026-03-01T10:00:00Z"),
      policy,
      { notBefore },
    );
    expect(verdict.ready).toBe(false);
    expect(verdict.blockers[0]).toMatch(
      /^condition Ready was last updated at 2026-03-01T10:00:00Z/,
    );
  });

  it("fails closed without updatedAt", () => {
    const verdict = evaluateReadiness(timed(undefined, "2026-03-01T12:05:00Z"), policy, {
      notBefore,
    });
    expect(verdict.ready).toBe(false);
    expect(verdict.blockers[0]).toMatch(/^status.updatedAt is not reported/);
  });
});
