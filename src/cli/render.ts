/**
 * Human-readable output of the CLI. Every text from the API passes `sanitizeText`, so a hostile
 * deployment cannot move the cursor, forge log lines or flip text direction in a terminal.
 */
import type { ReadinessVerdict } from "../api/readiness";
import type { Deployment } from "../api/deployment";
import { sanitizeText } from "../api/text";

const clean = (text: string | undefined, max = 200): string =>
  text === undefined || text === "" ? "-" : sanitizeText(text, max);

/** `get`: the deployment, one fact per line, then its conditions. */
export function renderDeployment(deployment: Deployment, verdict: ReadinessVerdict): string {
  const { spec, status } = deployment;
  const { model, runtime, resources, autoscaling, traffic } = spec;
  const rows: [string, string][] = [
    ["deployment", clean(spec.id)],
    ["name", clean(spec.name)],
    ["status", `${clean(status.status, 60)} (${verdict.ready ? "ready" : "not ready"})`],
    ["disabled", String(spec.disabled)],
    ["organization", clean(spec.organizationId)],
    ["gateways", spec.gatewayIds.map((id) => clean(id, 100)).join(", ") || "-"],
    [
      "model",
      model
        ? `${clean(model.name)} (bucket ${clean(model.bucket)}, path ${clean(model.path)})`
        : "-",
    ],
    ["runtime", runtime ? `${clean(runtime.engine, 60)} ${clean(runtime.version, 60)}` : "-"],
    [
      "resources",
      resources ? `${clean(resources.instanceType, 100)}, ${resources.gpuCount} GPU` : "-",
    ],
    [
      "autoscaling",
      autoscaling
        ? `${autoscaling.min}-${autoscaling.max} replicas` +
          (autoscaling.concurrency === undefined
            ? ""
            : `, concurrency ${autoscaling.concurrency}`) +
          (autoscaling.priority === undefined ? "" : `, priority ${autoscaling.priority}`)
        : "-",
    ],
    ["traffic", traffic?.weight === undefined ? "-" : `weight ${traffic.weight}`],
    ["created", clean(status.createdAt)],
    ["updated", clean(status.updatedAt)],
  ];
  const lines = rows.map(([key, value]) => `${key.padEnd(13)}${value}`);
  lines.push("conditions", ...renderConditions(deployment));
  if (!verdict.ready) lines.push("not ready", ...verdict.blockers.map((b) => `  - ${b}`));
  return lines.join("\n");
}

function renderConditions(deployment: Deployment): string[] {
  const { conditions } = deployment.status;
  if (conditions.length === 0) return ["  -"];
  return conditions.map((c) =>
    [
      `  ${clean(c.type, 60)}=${clean(c.status, 20)}`,
      c.reason && clean(c.reason, 100),
      c.message && clean(c.message),
      c.zone && `zone ${clean(c.zone, 60)}`,
      c.lastUpdateTime && `at ${clean(c.lastUpdateTime, 40)}`,
    ]
      .filter(Boolean)
      .join("  "),
  );
}
