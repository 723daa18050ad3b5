import { join } from "node:path";
import { resolveConnection } from "../src/api/connection";
import { type LookupJob, LookupThreadFailure, LookupThread } from "../src/lookup/lookup-thread";
import { deploymentFixture, startEmulatorProcess, type EmulatorProcess } from "../src/testing";

const TOKEN = "cw-worker-secret-9e107d9d";
let emulator: EmulatorProcess;
const worker = new LookupThread();

beforeAll(async () => {
  emulator = await startEmulatorProcess({
    token: TOKEN,
    deployments: { "dep-w": deploymentFixture("dep-w") },
  });
});
afterAll(async () => {
  worker.stop();
  await emulator.stop();
});

function job(overrides: Partial<LookupJob["connection"]> = {}): LookupJob {
  return {
    connection: resolveConnection({ endpoint: emulator.url, apiToken: TOKEN, ...overrides }, {}),
    deploymentIds: ["dep-w"],
  };
}

describe("LookupThread", () => {
  it("answers synchronously, and again from the same worker", () => {
    for (let i = 0; i < 3; i++) {
      const result = worker.run(job(), 10_000);
      expect(result).not.toBeInstanceOf(LookupThreadFailure);
      expect(result).toMatchObject({
        results: [{ ok: true, deployment: { spec: { id: "dep-w" } } }],
      });
    }
  });

  it("gives up on a job that overruns, then recovers with a fresh worker", async () => {
    await emulator.addFault({ type: "hang" });
    const started = Date.now();
    const overrun = worker.run(job({ deadlineMs: 30_000 }), 500);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(overrun).toEqual(
      new LookupThreadFailure("no answer from the lookup thread within 500 ms"),
    );
    expect(worker.run(job(), 10_000)).toMatchObject({ results: [{ ok: true }] });
  });

  it("reports a crashed job, then recovers with a fresh worker", () => {
    const broken = { ...job(), deploymentIds: null } as unknown as LookupJob;
    const crash = worker.run(broken, 10_000);
    expect(crash).toBeInstanceOf(LookupThreadFailure);
    expect((crash as LookupThreadFailure).reason).toMatch(/^the lookup thread failed: /);
    expect(worker.run(job(), 10_000)).toMatchObject({ results: [{ ok: true }] });
  });

  it("reports a worker that cannot load, at once and with the reason", () => {
    const broken = new LookupThread(join(__dirname, "support", "broken-lookup-thread.ts"));
    const started = Date.now();
    const failure = broken.run(job(), 10_000);
    expect(failure).toEqual(
      new LookupThreadFailure(
        "the lookup thread could not start: Cannot find module 'undici' (simulated)",
      ),
    );
    // Well before the 15 s startup timeout: the failure was reported, not waited out.
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
