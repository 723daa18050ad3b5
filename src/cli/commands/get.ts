/** `coreweave-inference get <id>...`: read deployments once and print them. */
import { defineCommand } from "../command";
import { type Cancellation, exitCodeOf, readAll, type Run, targetsOf } from "../fleet";
import { apiClient, FLEET_FLAGS } from "../flags";
import { renderDeployment } from "../render";
import { jsonRow } from "../reports";
import { cancelledLine, prepareReportPath, printError, printMany, reportToCi } from "../results";

export const command = defineCommand({
  name: "get",
  operands: "<id>...",
  summary: "print deployments (exit 0 whatever their status, 3 if unreadable)",
  flags: FLEET_FLAGS,
  reportsWhenCancelled: true,
  async run({ operands, flags }, io) {
    const targets = targetsOf("get", operands, flags.stack);
    if (flags.junit !== undefined) prepareReportPath("--junit", flags.junit);
    const api = apiClient(flags.endpoint, io.env);
    let run: Run;
    try {
      const rows = await readAll(api, targets.ids, io.cancel);
      run = { command: "get", rows, cancelled: io.cancel?.reason as Cancellation | undefined };
    } finally {
      await api.close();
    }
    const [row] = run.rows;
    if (targets.single && row.error) {
      // A failed read of one deployment is the command's error (exit 3), said as such.
      printError(row.error, flags.json ?? false, io);
    } else if (targets.single && row.deployment && row.verdict) {
      const { deployment, verdict } = row;
      io.stdout(
        flags.json
          ? `${JSON.stringify({ deployment, readiness: verdict }, null, 2)}\n`
          : `${renderDeployment(deployment, verdict)}\n`,
      );
    } else if (targets.single) {
      if (flags.json) io.stdout(`${JSON.stringify(jsonRow(row), null, 2)}\n`);
      io.stderr(cancelledLine(run));
    } else {
      printMany(run, flags.json ?? false, io, {
        json: (row) =>
          row.error
            ? { deploymentId: row.deploymentId, error: row.error.toJSON() }
            : row.deployment
              ? {
                  deploymentId: row.deploymentId,
                  deployment: row.deployment,
                  readiness: row.verdict,
                }
              : { deploymentId: row.deploymentId, outcome: row.outcome },
        text: (row) =>
          row.deployment && row.verdict
            ? `${renderDeployment(row.deployment, row.verdict)}\n\n`
            : "",
      });
    }
    return Math.max(exitCodeOf(run, ["ready", "not_ready"]), reportToCi(run, flags.junit, io));
  },
});
