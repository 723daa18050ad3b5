/** `coreweave-inference lookups record <id>...`: read deployments from the API into the file. */
import { CoreweaveError } from "../../api/errors";
import { LOOKUP_FILE_NAME } from "../../lookup/deployment-source";
import { type LookupFileEntry, lookupFilePath, updateLookupFile } from "../../lookup/lookup-file";
import { EXIT } from "../cli-io";
import { defineCommand } from "../command";
import { UsageError } from "../command-line";
import { apiClient, ENDPOINT_FLAG } from "../flags";

export const command = defineCommand({
  name: "lookups record",
  operands: "<id>...",
  summary: `read deployments from the API into ${LOOKUP_FILE_NAME}`,
  flags: ENDPOINT_FLAG,
  async run({ operands, flags }, io) {
    if (operands.length === 0) {
      throw new UsageError("lookups record takes one or more deployment IDs");
    }
    const ids = [...new Set(operands)];
    const file = lookupFilePath(io.env);
    const api = apiClient(flags.endpoint, io.env);
    const recorded = new Map<string, LookupFileEntry>();
    let failed = 0;
    try {
      await Promise.all(
        ids.map(async (id) => {
          try {
            const deployment = await api.getDeployment(id);
            const recordedAt = new Date().toISOString();
            recorded.set(id, { recordedAt, endpoint: api.endpoint.href, deployment });
          } catch (error) {
            if (!(error instanceof CoreweaveError)) throw error;
            failed++;
            io.stderr(`coreweave-inference: ${error.message}\n`);
          }
        }),
      );
    } finally {
      await api.close();
    }
    updateLookupFile(file, recorded);
    io.stdout(`recorded ${recorded.size} of ${ids.length} in ${file}\n`);
    return failed === 0 ? EXIT.ok : EXIT.apiError;
  },
});
