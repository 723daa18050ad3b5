/**
 * The pipeline CLI, `coreweave-inference`, against the emulator on 127.0.0.1: exit codes, JSON,
 * progress on stderr, and the token never printed.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { deploymentFixture } from "../src/testing/fixtures";
import { COMMANDS } from "../src/cli/main";
import { cliHarness } from "./support/cli-harness";
import { closedPortUrl } from "./support/closed-port";

const TOKEN = "cw-cli-secret-3b5d7f9a";
const harness = cliHarness(TOKEN);
const { emulator, cli } = harness;

const creating = (id: string) =>
  deploymentFixture(id, {
    status: "STATUS_CREATING",
    conditions: [{ type: "Ready", status: "False", reason: "ModelLoading", message: "weights" }],
  }).deployment;

describe("get", () => {
  it("prints a deployment for people, and exits 0 whatever its status", async () => {
    emulator.setDeployment("dep-c", { deployment: creating("dep-c") });
    const run = await cli(["get", "dep-c"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^deployment {3}dep-c$/m);
    expect(run.stdout).toMatch(/^status {7}STATUS_CREATING \(not ready\)$/m);
    expect(run.stdout).toContain("  Ready=False  ModelLoading  weights");
  });

  it("prints JSON with --json: the deployment and its readiness", async () => {
    emulator.setDeployment("dep-r", deploymentFixture("dep-r"));
    const run = await cli(["get", "dep-r", "--json"]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.deployment.spec.id).toBe("dep-r");
    expect(result.readiness).toEqual({ ready: true, blockers: [] });
  });

  it("exits 3 on a 404, a 401 and a missing token, with the reason on stderr", async () => {
    const missing = await cli(["get", "nope"]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/HTTP 404 NOT_FOUND/);
    const denied = await cli(["get", "dep-r"], { COREWEAVE_API_TOKEN: "wrong-token-123" });
    expect(denied.code).toBe(3);
    expect(denied.stderr).toMatch(/HTTP 401 UNAUTHENTICATED/);
    const noToken = await cli(["get", "dep-r"], { COREWEAVE_API_TOKEN: "" });
    expect(noToken.code).toBe(3);
    expect(noToken.stderr).toMatch(/No CoreWeave API token: set COREWEAVE_API_TOKEN/);
    const json = await cli(["get", "nope", "--json"]);
    expect(JSON.parse(json.stdout).error).toMatchObject({ kind: "not_found", httpStatus: 404 });
  });

  it("strips terminal control characters from API text", async () => {
    emulator.setDeployment(
      "dep-x",
      deploymentFixture("dep-x", { name: "evil\u001b[2J\u202ename" }),
    );
    const run = await cli(["get", "dep-x"]);
    expect(run.stdout).toMatch(/^name {9}evil \[2J name$/m);
  });
});

describe("wait", () => {
  it("exits 0 once READY, with one progress line per status change on stderr", async () => {
    emulator.setDeployment("dep-w", {
      steps: [
        { deployment: creating("dep-w"), requests: 3 },
        { deployment: deploymentFixture("dep-w").deployment },
      ],
    });
    const run = await cli(["wait", "dep-w", "--interval", "50ms", "--timeout", "10s"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("dep-w is ready (STATUS_READY)\n");
    const lines = run.stderr.trim().split("\n");
    expect(lines).toEqual([
      expect.stringMatching(
        /^\[\d+ms\] dep-w: STATUS_CREATING, not ready: status is STATUS_CREATING/,
      ),
      expect.stringMatching(/^\[\d+ms\] dep-w: STATUS_READY, ready$/),
    ]);
    expect(emulator.requestLog()).toHaveLength(4);
  });

  it("exits 1 at the timeout, naming the last status and each unmet condition", async () => {
    emulator.setDeployment("dep-slow", { deployment: creating("dep-slow") });
    const run = await cli([
      "wait",
      "dep-slow",
      "--interval",
      "100ms",
      "--timeout",
      "600ms",
      "--json",
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('"dep-slow" was not ready after');
    expect(run.stderr).toContain(
      "  - condition Ready is False (reason: ModelLoading; message: weights)",
    );
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({
      outcome: "timeout",
      ready: false,
      status: "STATUS_CREATING",
      blockers: [
        "status is STATUS_CREATING; ready needs STATUS_READY",
        "condition Ready is False (reason: ModelLoading; message: weights)",
      ],
    });
    expect(result.polls).toBeGreaterThanOrEqual(2);
  });

  it.each([
    ["404", 404, "DeploymentNotFoundError", /HTTP 404 NOT_FOUND/],
    ["403", 403, "PermissionDeniedError", /HTTP 403 PERMISSION_DENIED/],
    ["401", 401, "UnauthenticatedError", /HTTP 401 UNAUTHENTICATED/],
  ] as const)(
    "exits 3 at once on a %s, naming the error; --json says outcome error",
    async (_what, httpStatus, name, message) => {
      emulator.setDeployment("dep-p", deploymentFixture("dep-p"));
      emulator.addFault({ type: "status", httpStatus, times: -1 });
      const started = Date.now();
      const run = await cli(["wait", "dep-p", "--interval", "50ms", "--timeout", "1m", "--json"]);
      expect(run.code).toBe(3);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(run.stderr).toMatch(message);
      expect(JSON.parse(run.stdout)).toMatchObject({
        deploymentId: "dep-p",
        outcome: "error",
        ready: false,
        error: { name },
      });
      expect(emulator.requestLog()).toHaveLength(1);
    },
  );

  it("exits 3, not 1, when no poll ever read the deployment (5xx throughout)", async () => {
    emulator.setDeployment("dep-5", deploymentFixture("dep-5"));
    emulator.addFault({ type: "status", httpStatus: 503, times: -1 });
    const run = await cli(["wait", "dep-5", "--interval", "50ms", "--timeout", "1500ms", "--json"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /"dep-5" could not be read in \d+ polls? over .*\(timeout 1s500ms\); the last error: .*HTTP 503/,
    );
    expect(JSON.parse(run.stdout)).toMatchObject({
      outcome: "unreachable",
      ready: false,
      blockers: [],
      lastError: { name: "ServerError", httpStatus: 503 },
    });
  });

  it("exits 3 by its timeout against a closed port, naming the connection failure", async () => {
    const closed = await closedPortUrl();
    const started = Date.now();
    const run = await cli(["wait", "dep-x", "--interval", "100ms", "--timeout", "2s", "--json"], {
      COREWEAVE_API_ENDPOINT: closed,
    });
    expect(run.code).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(run.stderr).toMatch(/could not be read in .*; the last error: .*ECONNREFUSED/);
    expect(JSON.parse(run.stdout)).toMatchObject({
      outcome: "unreachable",
      lastError: { name: "ApiConnectionError" },
    });
  });

  it("exits 1 when the deployment was read, even if every later poll failed", async () => {
    emulator.setDeployment("dep-r5", { deployment: creating("dep-r5") });
    const run = cli(["wait", "dep-r5", "--interval", "300ms", "--timeout", "3s", "--json"]);
    // The status is logged when the answer is sent: from then on the deployment has been read.
    while (emulator.requestLog()[0]?.status !== 200) await new Promise((r) => setTimeout(r, 5));
    emulator.addFault({ type: "status", httpStatus: 503, times: -1 });
    const { code, stdout, stderr } = await run;
    expect(code).toBe(1);
    expect(stderr).toContain('"dep-r5" was not ready after');
    expect(JSON.parse(stdout)).toMatchObject({
      outcome: "timeout",
      status: "STATUS_CREATING",
      lastError: { httpStatus: 503 },
    });
    expect(emulator.requestLog().map((entry) => entry.status)).toContain(503);
  });

  it.each([
    ["STATUS_FAILED", {}],
    ["STATUS_ERROR", {}],
    ["a disabled deployment", { disabled: true, status: "STATUS_CREATING" }],
  ] as const)("exits 4 at once on %s: waiting will not help", async (_what, overrides) => {
    const status = "status" in overrides ? overrides.status : _what;
    emulator.setDeployment("dep-t", deploymentFixture("dep-t", { ...overrides, status }));
    const run = await cli(["wait", "dep-t", "--interval", "50ms", "--timeout", "1m"]);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/will not become ready: .*Waiting will not help/);
    expect(emulator.requestLog()).toHaveLength(1);
  });

  it("accepts a disabled deployment with --allow-disabled", async () => {
    emulator.setDeployment("dep-d", deploymentFixture("dep-d", { disabled: true }));
    expect((await cli(["wait", "dep-d", "--allow-disabled", "--timeout", "5s"])).code).toBe(0);
  });

  it("keeps polling through a 503 and honours Retry-After on a 429", async () => {
    emulator.setDeployment("dep-f", deploymentFixture("dep-f"));
    emulator.addFault({ type: "status", httpStatus: 503, times: 2 });
    emulator.addFault({ type: "status", httpStatus: 429, retryAfter: "1", times: 1 });
    const started = Date.now();
    const run = await cli(["wait", "dep-f", "--interval", "20ms", "--timeout", "30s"]);
    expect(run.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(emulator.requestLog().map((entry) => entry.status)).toContain(429);
  });

  it("does not count an old READY with --updated-after", async () => {
    const fixture = deploymentFixture("dep-u"); // updatedAt 2025-01-15T10:12:30Z
    emulator.setDeployment("dep-u", fixture);
    const old = await cli([
      "wait",
      "dep-u",
      "--updated-after",
      "2025-06-01T00:00:00Z",
      "--timeout",
      "300ms",
      "--interval",
      "100ms",
    ]);
    expect(old.code).toBe(1);
    expect(old.stderr).toContain(
      "status.updatedAt 2025-01-15T10:12:30Z is before 2025-06-01T00:00:00Z",
    );
    const fresh = await cli([
      "wait",
      "dep-u",
      "--updated-after",
      "2025-01-15T10:00:00Z",
      "--timeout",
      "5s",
    ]);
    expect(fresh.code).toBe(0);
  });

  it("accepts a status unknown to this version when named, with a warning", async () => {
    emulator.setDeployment("dep-n", deploymentFixture("dep-n", { status: "STATUS_RUNNING" }));
    const run = await cli(["wait", "dep-n", "--accept", "STATUS_RUNNING", "--timeout", "5s"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/warning: --accept lists STATUS_RUNNING, which this version/);
    const strict = await cli(["wait", "dep-n", "--timeout", "200ms", "--interval", "100ms"]);
    expect(strict.code).toBe(1);
  });

  it("requires only the conditions named with --condition", async () => {
    emulator.setDeployment(
      "dep-k",
      deploymentFixture("dep-k", {
        conditions: [
          { type: "Ready", status: "True" },
          { type: "Progressing", status: "False", reason: "Scaling" },
        ],
      }),
    );
    expect((await cli(["wait", "dep-k", "--condition", "Ready", "--timeout", "5s"])).code).toBe(0);
  });
});

describe("usage errors exit 2", () => {
  it.each([
    [[], /missing command/],
    [["frobnicate"], /unknown command "frobnicate"/],
  ])("%j: the message and the full usage", async (args, message) => {
    const run = await cli(args as string[]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toContain("usage: coreweave-inference <command>");
  });

  it.each([
    [["get"], /get takes one or more deployment IDs, or --stack/],
    [["wait"], /wait takes one or more deployment IDs, or --stack/],
    [["wait", "--stack", "/nonexistent/stack"], /--stack "\/nonexistent\/stack" does not exist/],
    [["wait", "dep", "--timeout", "10"], /--timeout "10" is not a duration/],
    [["wait", "dep", "--timeout", "99999999d"], /--timeout "99999999d" is too long: .*24d20h31m/],
    [["wait", "dep", "--interval", "fast"], /--interval "fast" is not a duration/],
    [["wait", "dep", "--accept", "READY"], /--accept "READY" is not a status that can count/],
    [["wait", "dep", "--condition", "a b"], /--condition "a b" is not a condition type/],
    [["wait", "dep", "--updated-after", "yesterday"], /not an RFC 3339 time/],
    [["get", "dep", "--colour"], /Unknown option '--colour' \(see/],
    [["lookups", "reset"], /takes deployment IDs, or --all/],
    // A flag of another command is named as such, not run and ignored.
    [["get", "dep", "--timeout", "5m"], /: get does not take --timeout \(see/],
    [["lookups", "show", "--junit", "f"], /: lookups show does not take --junit \(see/],
    [["lookups", "record", "dep", "--stack", "d"], /: lookups record does not take --stack/],
    [["wait", ""], /: wait got an empty deployment ID; is the variable .* unset\?/],
    [["get", "dep", ""], /: get got an empty deployment ID/],
    [["wait", "dep", "--timeout", "0s"], /--timeout "0s": the duration must be above zero/],
    [["wait", "dep", "--timeout", "-5s"], /--timeout "-5s" is negative: the duration must be/],
    [["wait", "dep", "--interval=-1m"], /--interval "-1m" is negative/],
    [["wait", "dep", "--timeout"], /Option '--timeout <value>' argument missing \(see/],
    [["lookups", "frob"], /: lookups takes record, reset or show \(see/],
  ])("%j: one line that names the flag, no usage dump", async (args, message) => {
    const run = await cli(args as string[]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toMatch(
      /^coreweave-inference: [^\n]+ \(see coreweave-inference --help\)\n$/,
    );
    expect(run.stderr).not.toMatch(/acceptedStatuses|requiredConditions|timeoutMs|wait\./);
    expect(emulator.requestLog()).toHaveLength(0);
  });

  it("prints usage on --help with exit 0", async () => {
    const run = await cli(["--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      "exit codes: 0 ready/ok, 1 read but not ready at timeout, 2 usage error",
    );
  });

  it("lists every command with its flags, and each command's usage on <command> --help", async () => {
    const full = (await cli(["--help"])).stdout;
    for (const command of COMMANDS) {
      expect(full).toContain(`  ${command.name} ${command.operands}`.trimEnd());
      expect(full).toContain(command.summary);
      for (const flag of Object.keys(command.flags)) expect(full).toContain(`--${flag}`);
      const own = await cli([...command.name.split(" "), "--help"]);
      expect(own.code).toBe(0);
      expect(own.stdout).toMatch(new RegExp(`^usage: coreweave-inference ${command.name} `));
      const others = COMMANDS.flatMap((c) => Object.keys(c.flags)).filter(
        (flag) => !(flag in command.flags),
      );
      for (const flag of others) expect(own.stdout).not.toContain(`--${flag} `);
    }
    expect(COMMANDS.map((c) => c.name)).toEqual([
      "get",
      "lookups record",
      "lookups reset",
      "lookups show",
      "wait",
    ]);
  });

  it("gives a flag one meaning in every command that takes it", () => {
    const seen = new Map<string, unknown>();
    for (const command of COMMANDS) {
      for (const [name, flag] of Object.entries(command.flags)) {
        const { type, multiple } = flag;
        expect({ name, type, multiple }).toEqual(
          (seen.get(name) as object | undefined) ?? { name, type, multiple },
        );
        seen.set(name, { name, type, multiple });
      }
    }
  });

  it("takes flags before the command too, as before", async () => {
    emulator.setDeployment("dep-f", deploymentFixture("dep-f"));
    const run = await cli(["--json", "get", "dep-f"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).deployment.spec.id).toBe("dep-f");
  });
});

describe("configuration errors speak CLI", () => {
  it("names COREWEAVE_API_TOKEN and no construct prop when the token is missing", async () => {
    const run = await cli(["get", "dep"], { COREWEAVE_API_TOKEN: "" });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("set COREWEAVE_API_TOKEN in the environment.");
    expect(run.stderr).not.toMatch(/apiToken|option/);
  });

  it("advises COREWEAVE_API_TOKEN on a 401, and no option the CLI does not have", async () => {
    const run = await cli(["get", "dep"], { COREWEAVE_API_TOKEN: "wrong-token-123" });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("Check COREWEAVE_API_TOKEN: the token is missing");
    expect(run.stderr).not.toMatch(/apiToken|option|prop/);
  });

  it("names --endpoint when the flag is the bad endpoint, and the fix for an API path", async () => {
    const run = await cli(["get", "dep", "--endpoint", `${harness.url}/v1alpha1`]);
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(
      `coreweave-inference: --endpoint ends with the API path /v1alpha1, which every request ` +
        `adds itself. Set it to the base URL without that path: ${harness.url}/\n`,
    );
    expect(emulator.requestLog()).toHaveLength(0);
  });
});

/**
 * A server on 127.0.0.1 that answers every deployment after a short delay and counts the requests
 * in flight at once, at the server.
 */
async function countingServer(): Promise<{ url: string; peak: () => number; close: () => void }> {
  let inFlight = 0;
  let peak = 0;
  const server = createHttpServer((request, response) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    const id = decodeURIComponent(request.url!.split("/").pop()!);
    setTimeout(() => {
      inFlight--;
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify(deploymentFixture(id)));
    }, 30);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, peak: () => peak, close: () => server.close() };
}

describe.each([["lookups", "record"], ["get"], ["wait", "--timeout", "30s"]])(
  "%s of 100 deployments",
  (...command) => {
    it("never has more than 32 requests in flight", async () => {
      const server = await countingServer();
      try {
        const ids = Array.from({ length: 100 }, (_, i) => `dep-${i}`);
        const run = await cli([...command, ...ids], { COREWEAVE_API_ENDPOINT: server.url });
        expect(run.code).toBe(0);
        // All at once would be 100; one at a time would take 3 s.
        expect(server.peak()).toBe(32);
      } finally {
        server.close();
      }
    });
  },
);

describe("lookups", () => {
  it("records, shows and resets entries of the lookup file", async () => {
    const file = join(harness.scratch, "coreweave-lookups.json");
    const env = { COREWEAVE_LOOKUP_FILE: file };
    emulator.setDeployment("dep-a", deploymentFixture("dep-a"));
    emulator.setDeployment("dep-b", { deployment: creating("dep-b") });
    const recorded = await cli(["lookups", "record", "dep-b", "dep-a", "missing"], env);
    expect(recorded.code).toBe(3);
    expect(recorded.stdout).toBe(`recorded 2 of 3 in ${file}\n`);
    const saved = JSON.parse(readFileSync(file, "utf8"));
    expect(Object.keys(saved.deployments)).toEqual(["dep-a", "dep-b"]);
    expect(readFileSync(file, "utf8")).not.toContain(TOKEN);

    const shown = await cli(["lookups", "show", "--json"], env);
    expect(JSON.parse(shown.stdout).entries).toEqual([
      expect.objectContaining({ deploymentId: "dep-a", status: "STATUS_READY" }),
      expect.objectContaining({ deploymentId: "dep-b", status: "STATUS_CREATING" }),
    ]);
    const reset = await cli(["lookups", "reset", "dep-a"], env);
    expect(reset.code).toBe(0);
    expect(Object.keys(JSON.parse(readFileSync(file, "utf8")).deployments)).toEqual(["dep-b"]);
    expect((await cli(["lookups", "reset", "--all"], env)).code).toBe(0);
    expect(JSON.parse(readFileSync(file, "utf8")).deployments).toEqual({});
  });
});

describe("the bin", () => {
  it("runs as a process with the documented exit code", async () => {
    emulator.setDeployment("dep-bin", deploymentFixture("dep-bin", { status: "STATUS_FAILED" }));
    // Asynchronous: the emulator answers from this process's event loop.
    const child = spawn(
      process.execPath,
      ["--require", "tsx/cjs", join(__dirname, "..", "src", "cli", "main.ts"), "wait", "dep-bin"],
      { env: { ...process.env, COREWEAVE_API_ENDPOINT: harness.url, COREWEAVE_API_TOKEN: TOKEN } },
    );
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    const [code] = (await once(child, "close")) as [number];
    expect(code).toBe(4);
    expect(output).toContain('CoreWeave deployment "dep-bin" will not become ready');
    expect(output).not.toContain(TOKEN);
  });
});
