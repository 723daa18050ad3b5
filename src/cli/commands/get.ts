/** `coreweave-inference get <id>...`: read deployments once and print them. */
import { limitRequests } from "../../api/concurrency";
import { evaluateReadiness } from "../../api/readiness";
import { defineCommand } from "../command";
import { exitCodeOf, readAll, type ResultRow, targetsOf } from "../fleet";
import { apiClient, FLEET_FLAGS } from "../flags";
import { renderDeployment } from "../render";
import { printMany, reportToCi } from "../results";

export const command = defineCommand({
  name: "get",
  operands: "<id>...",
  summary: "print deployments (exit 0 whatever their status, 3 if unreadable)",
  flags: FLEET_FLAGS,
  async run({ operands, flags }, io) {
    const targets = targetsOf("get", operands, flags.stack);
    const api = apiClient(flags.endpoint, io.env);
    const started = Date.now();
    let rows: ResultRow[];
    try {
      if (targets.single) {
        // A failed read of one deployment is the command's error (exit 3).
        const [deploymentId] = targets.ids;
        const deployment = await api.getDeployment(deploymentId);
        const verdict = evaluateReadiness(deployment);
        io.stdout(
          flags.json
            ? `${JSON.stringify({ deployment, readiness: verdict }, null, 2)}\n`
            : `${renderDeployment(deployment, verdict)}\n`,
        );
        const outcome = verdict.ready ? "ready" : "not_ready";
        const elapsedMs = Date.now() - started;
        rows = [{ deploymentId, outcome, elapsedMs, polls: 1, deployment, verdict }];
      } else {
        rows = await readAll(limitRequests(api), targets.ids);
        printMany(rows, flags.json ?? false, io, {
          json: (row) =>
            row.error
              ? { deploymentId: row.deploymentId, error: row.error.toJSON() }
              : {
                  deploymentId: row.deploymentId,
                  deployment: row.deployment,
                  readiness: row.verdict,
                },
          text: (row) =>
            row.deployment && row.verdict
              ? `${renderDeployment(row.deployment, row.verdict)}\n\n`
              : "",
        });
      }
    } finally {
      await api.close();
    }
    const code = exitCodeOf(rows, ["ready", "not_ready"]);
    return Math.max(code, reportToCi("get", rows, flags.junit, io));
  },
});
