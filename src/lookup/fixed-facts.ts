/** The answer of a source whose facts cannot change while a lookup waits: replay, in memory. */
import { DeploymentNotReadyError, DeploymentTerminalError } from "../api/errors";
import type { Deployment } from "../api/deployment";
import { judge, type ResolvedWaitOptions } from "../api/wait";
import type { DeploymentLookupResult } from "./deployment-source";

/**
 * Answers a lookup from facts that cannot change while waiting (in memory, a replayed file): a
 * waiter gets them if they are ready already, and an error at once otherwise, since polling
 * them again would only read the same facts until the timeout.
 */
export function answerFromFixedFacts(
  deployment: Deployment,
  observedAt: string,
  wait: ResolvedWaitOptions | undefined,
  where: string,
): DeploymentLookupResult {
  if (!wait) return { ok: true, deployment, observedAt };
  const { verdict, outcome } = judge(deployment, wait);
  if (outcome === "ready") return { ok: true, deployment, observedAt };
  const id = deployment.spec.id;
  const error =
    outcome === "terminal"
      ? new DeploymentTerminalError(
          `CoreWeave deployment "${id}" will not become ready (${where}): ` +
            `${verdict.terminal}. Waiting will not help.`,
          { deploymentId: id },
        )
      : new DeploymentNotReadyError(
          `CoreWeave deployment "${id}" is not ready in ${where}, whose facts do not change ` +
            `while waiting:\n${verdict.blockers.map((blocker) => `  - ${blocker}`).join("\n")}`,
          { deploymentId: id },
        );
  return { ok: false, error };
}
