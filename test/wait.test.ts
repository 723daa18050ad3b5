/**
 * The poll loop with a scripted client: what a wait reports when its own deadline cuts the last
 * poll short.
 */
import { ApiTimeoutError, ServerError } from "../src/client";
import { resolveWaitOptions, waitForReady, type WaitClient } from "../src/api/wait";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it("reports the API's last failure, not the timeout of a poll its own end cut short", async () => {
  const client: WaitClient = {
    deadlineMs: 60_000,
    async getDeployment(deploymentId, { deadlineMs = 60_000 } = {}) {
      if (deadlineMs < 40) {
        // As the real client: a budget too short for an answer ends in a timeout of that budget.
        await sleep(deadlineMs + 2);
        throw new ApiTimeoutError(`no answer within ${deadlineMs} ms`, { deploymentId });
      }
      // The API fails slowly, leaving the wait a few milliseconds for one more, short poll.
      await sleep(deadlineMs - 15);
      throw new ServerError("HTTP 503 UNAVAILABLE", { deploymentId, httpStatus: 503 });
    },
  };
  const wait = resolveWaitOptions({ timeoutMs: 300, pollIntervalMs: 5 });
  const outcome = await waitForReady(client, "dep-5", wait);
  expect(outcome.outcome).toBe("unreachable");
  if (outcome.outcome !== "unreachable") return;
  expect(outcome.lastError).toBeInstanceOf(ServerError);
  expect(outcome.lastError.message).toBe("HTTP 503 UNAVAILABLE");
});
