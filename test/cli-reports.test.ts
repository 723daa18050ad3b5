/**
 * The CI-native results of the CLI, checked by real parsers: GitHub's step summary as GitHub
 * renders Markdown (GFM tables, with `markdown-it`, HTML off as on GitHub), workflow-command annotations by GitHub's escaping
 * rules, and JUnit XML with a strict XML parser. Hostile API text must not break any of them.
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import MarkdownIt from "markdown-it";
import { ConfigurationError, ServerError } from "../src/client";
import { evaluateReadiness } from "../src/api/readiness";
import type { Deployment } from "../src/client";
import type { ResultRow, Run } from "../src/cli/fleet";
import { cellsOf, liveTableLines, useColour } from "../src/cli/live-table";
import { annotations, junitReport, stepSummary } from "../src/cli/reports";
import { deploymentFixture } from "../src/testing";
import { parseGetDeploymentResponse } from "../src/api/schema";
import { sanitizeText } from "../src/api/text";

const HOSTILE =
  'x | y <script>alert(1)</script> & "q" \n::error::forged ##[add-path]/evil %0A ' +
  "[click](https://evil.example) ![i](https://evil.example/i.png) `code`";

function deployment(
  id: string,
  overrides: Parameters<typeof deploymentFixture>[1] = {},
): Deployment {
  const parsed = parseGetDeploymentResponse(deploymentFixture(id, overrides));
  if (!parsed.ok) throw new Error(`fixture ${id} does not parse`);
  return parsed.deployment;
}

function rows(): ResultRow[] {
  const ready = deployment("dep-ready");
  const creating = deployment("dep-slow", {
    status: "STATUS_CREATING",
    conditions: [{ type: "Ready", status: "False", reason: "ModelLoading", message: HOSTILE }],
  });
  const failed = deployment("dep-failed", { status: "STATUS_FAILED" });
  return [
    {
      deploymentId: "dep-ready",
      outcome: "ready",
      elapsedMs: 1200,
      polls: 2,
      deployment: ready,
      verdict: evaluateReadiness(ready),
    },
    {
      deploymentId: "dep-slow",
      outcome: "timeout",
      elapsedMs: 60_000,
      polls: 7,
      deployment: creating,
      verdict: evaluateReadiness(creating),
      error: new ConfigurationError(`"dep-slow" was not ready after 1m:\n  - ${HOSTILE}`),
    },
    {
      deploymentId: "dep-failed",
      outcome: "terminal",
      elapsedMs: 300,
      polls: 1,
      deployment: failed,
      verdict: evaluateReadiness(failed),
      error: new ConfigurationError('"dep-failed" will not become ready'),
    },
    {
      deploymentId: `dep|<b>${HOSTILE}`,
      outcome: "unreachable",
      elapsedMs: 60_000,
      polls: 5,
      error: new ServerError("could not be read: HTTP 503"),
    },
    {
      deploymentId: "dep-other",
      outcome: "cancelled",
      cancelledBy: "fail_fast",
      elapsedMs: 300,
      polls: 1,
      deployment: creating,
      verdict: evaluateReadiness(creating),
    },
  ];
}

const wait = (rows: readonly ResultRow[], more: Partial<Run> = {}): Run => ({
  command: "wait",
  rows,
  ...more,
});

/** A run a signal cancelled. */
const cancelledRun = (signal: "SIGINT" | "SIGTERM", rows: readonly ResultRow[]): Run =>
  wait(rows, { cancelled: { signal, why: signal } });

/** The same row, its wait ended by a cancelled run before it was decided. */
const cutShort = (row: ResultRow): ResultRow => ({
  ...row,
  outcome: "cancelled",
  cancelledBy: "run",
  error: undefined,
});

describe("GitHub step summary", () => {
  it("renders as one GFM table: a row per deployment, five cells each, no HTML from the API", () => {
    const markdown = stepSummary(wait(rows()));
    const html = new MarkdownIt({ html: false }).render(markdown);
    expect(html.match(/<table>/g)).toHaveLength(1);
    const header = [...html.matchAll(/<th>(.*?)<\/th>/g)].map((m) => m[1]);
    expect(header).toEqual(["deployment", "status", "ready", "waited for", "blockers"]);
    const bodyRows = [...html.matchAll(/<tr>\n((?:<td>[\s\S]*?<\/td>\n)+)<\/tr>/g)];
    expect(bodyRows).toHaveLength(5);
    for (const row of bodyRows) expect(row[1].match(/<td>/g)).toHaveLength(5);
    expect(html).not.toMatch(/<script>|<b>|<a |<img |<code>/);
    expect(html).toContain("&lt;script&gt;");
    expect(html).toContain("<td>yes</td>");
    expect(html).toContain("<td>no (will not become ready)</td>");
  });

  it("gives the verdict at a glance, worst first, and puts the rows worst first", () => {
    const markdown = stepSummary(wait(rows()));
    expect(markdown.split("\n")[0]).toBe(
      "### coreweave-inference wait: ❌ 1 will not become ready, 1 could not be read, " +
        "1 not ready at the timeout, 1 not waited for, 1 ready",
    );
    const order = [...markdown.matchAll(/^\| (dep[-a-z]*)(?= |\\)/gm)].map((m) => m[1]);
    expect(order).toEqual([
      "deployment",
      "dep-failed",
      "dep",
      "dep-slow",
      "dep-other",
      "dep-ready",
    ]);
    const ready = rows().filter((row) => row.outcome === "ready");
    expect(
      stepSummary(wait([...ready, { ...ready[0], deploymentId: "dep-b" }])).split("\n")[0],
    ).toBe("### coreweave-inference wait: ✅ 2 of 2 ready");
  });

  it("gives a deployment fail-fast did not wait for one short row, not its blockers", () => {
    const line = stepSummary(wait(rows()))
      .split("\n")
      .find((l) => l.startsWith("| dep-other"));
    expect(line).toBe(
      "| dep-other | STATUS_CREATING | no (not waited for) | 300ms | not waited for: another deployment failed |",
    );
  });

  it("says in its headline that a run was cancelled, and why", () => {
    const [ready, slow] = rows();
    const cancelled = cutShort(slow);
    const markdown = stepSummary(cancelledRun("SIGTERM", [ready, cancelled]));
    expect(markdown.split("\n")[0]).toBe(
      "### coreweave-inference wait: ⏹️ cancelled (SIGTERM): 1 cancelled, 1 ready",
    );
    expect(markdown).toContain("| the run was cancelled; last status STATUS_CREATING |");
  });
});

describe("GitHub annotations", () => {
  it("writes one ::error per deployment that failed, escaped so API text stays inert", () => {
    const lines = annotations(wait(rows())).split("\n").filter(Boolean);
    const errors = lines.filter((line) => line.startsWith("::error "));
    expect(errors).toHaveLength(3);
    for (const line of lines) expect(line).not.toContain("##[");
    // The API's newline did not start a line of its own, so its `::error::` stays text.
    const slow = lines.find((line) => line.includes("dep-slow"));
    expect(slow).toContain("::error::forged");
    expect(slow).toContain("%250A");
    expect(slow).toMatch(
      /^::error title=coreweave-inference wait%3A dep-slow not ready at the timeout::/,
    );
  });

  it("puts the cause first, gives what fail-fast skipped one ::notice, and no ::error", () => {
    const [, , failedRow] = rows();
    const skipped = Array.from({ length: 12 }, (_, i): ResultRow => ({
      ...rows()[4],
      deploymentId: `live-${String(i).padStart(2, "0")}`,
    }));
    const lines = annotations(wait([rows()[0], ...skipped, failedRow]))
      .split("\n")
      .filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^::error title=coreweave-inference wait%3A dep-failed will not become ready::/,
    );
    expect(lines[1]).toMatch(
      /^::notice title=coreweave-inference wait%3A 12 not waited for::12 deployments were not waited for/,
    );
  });

  it("never writes more ::error lines than deployments that failed, timed out or could not be read", () => {
    for (const sample of [rows(), rows().slice(0, 1), rows().slice(3), rows().slice(1, 3)]) {
      const errors = annotations(wait(sample)).match(/^::error /gm) ?? [];
      const failedRows = sample.filter((r) =>
        ["terminal", "timeout", "unreachable", "error"].includes(r.outcome),
      );
      expect(errors.length).toBeLessThanOrEqual(failedRows.length);
    }
  });

  it("warns once for a cancelled run, naming what was not ready yet", () => {
    const [ready, slow] = rows();
    const cancelled = cutShort(slow);
    const text = annotations(cancelledRun("SIGINT", [ready, cancelled]));
    expect(text).toBe(
      "::warning title=coreweave-inference wait%3A cancelled::The run was cancelled (SIGINT) " +
        "with 1 deployment not ready yet: dep-slow (the run was cancelled; last status STATUS_CREATING).\n",
    );
  });

  it("warns instead for get, which succeeds whatever the status", () => {
    const creating = deployment("dep-c", { status: "STATUS_CREATING" });
    const text = annotations({
      command: "get",
      rows: [
        {
          deploymentId: "dep-c",
          outcome: "not_ready",
          elapsedMs: 10,
          polls: 1,
          deployment: creating,
          verdict: evaluateReadiness(creating),
        },
      ],
    });
    expect(text).toMatch(
      /^::warning title=coreweave-inference get%3A dep-c not ready::not ready: /,
    );
  });
});

/**
 * The rules of Jenkins xUnit's junit-10.xsd (jenkinsci/xunit-plugin), the strictest schema in
 * common use, in our own words: which attributes each element may carry (and must), which
 * elements it may hold, and the number format of `time` where the schema fixes one.
 */
const JUNIT_RULES: Readonly<
  Record<
    string,
    {
      readonly attributes: readonly string[];
      readonly required?: readonly string[];
      readonly children: readonly string[] | "text";
    }
  >
> = {
  testsuites: {
    attributes: ["name", "time", "tests", "failures", "errors"],
    children: ["testsuite"],
  },
  testsuite: {
    attributes: [
      "name",
      "tests",
      "failures",
      "errors",
      "group",
      "time",
      "skipped",
      "timestamp",
      "hostname",
      "id",
      "package",
      "file",
      "log",
      "url",
    ],
    required: ["name", "tests", "failures", "errors"],
    children: ["testsuite", "properties", "testcase", "system-out", "system-err"],
  },
  testcase: {
    attributes: ["name", "time", "classname", "group"],
    required: ["name"],
    children: [
      "skipped",
      "error",
      "failure",
      "rerunFailure",
      "rerunError",
      "flakyFailure",
      "flakyError",
      "system-out",
      "system-err",
    ],
  },
  failure: { attributes: ["type", "message"], children: "text" },
  error: { attributes: ["type", "message"], children: "text" },
  skipped: { attributes: ["type", "message"], children: "text" },
};
/** The schema's number format for `time` on suites: digits, optionally grouped, then a fraction. */
const SUREFIRE_TIME = /^(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]*)?$/;

/** Every way `xml` breaks the rules, as `element: problem`; empty when it keeps them all. */
function junitProblems(xml: string): string[] {
  type Node = Record<string, unknown>;
  const tree = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "",
    preserveOrder: true,
  }).parse(xml) as Node[];
  const problems: string[] = [];
  const check = (node: Node, parent: string | undefined) => {
    const name = Object.keys(node).find((key) => key !== ":@")!;
    if (name === "#text") {
      if (parent && JUNIT_RULES[parent]?.children !== "text")
        problems.push(`${parent}: holds text`);
      return;
    }
    if (name === "?xml") return;
    const rule = JUNIT_RULES[name];
    if (!rule) return void problems.push(`${name}: not an element of the schema`);
    if (parent !== undefined) {
      const allowed = JUNIT_RULES[parent].children;
      if (allowed === "text" || !allowed.includes(name))
        problems.push(`${parent}: may not hold ${name}`);
    } else if (name !== "testsuites") {
      problems.push(`${name}: not the root`);
    }
    const attributes = (node[":@"] ?? {}) as Record<string, string>;
    for (const attribute of Object.keys(attributes)) {
      if (!rule.attributes.includes(attribute))
        problems.push(`${name}: attribute ${attribute} is not allowed`);
    }
    for (const attribute of rule.required ?? []) {
      if (!(attribute in attributes)) problems.push(`${name}: attribute ${attribute} is required`);
    }
    if ((name === "testsuite" || name === "testsuites") && "time" in attributes) {
      if (!SUREFIRE_TIME.test(attributes.time))
        problems.push(`${name}: time ${attributes.time} is not a number`);
    }
    for (const child of node[name] as Node[]) check(child, name);
  };
  for (const node of tree) check(node, undefined);
  return problems;
}

describe("JUnit XML", () => {
  it("is well-formed, and counts a test case per deployment by outcome, worst first", () => {
    const xml = junitReport(wait(rows()), new Date("2026-11-30T10:00:00Z"));
    expect(XMLValidator.validate(xml)).toBe(true);
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(xml);
    const suite = parsed.testsuites.testsuite;
    expect(suite).toMatchObject({
      name: "coreweave-inference wait",
      tests: "5",
      failures: "2",
      errors: "1",
      skipped: "1",
      timestamp: "2026-11-30T10:00:00",
    });
    expect(parsed.testsuites).not.toHaveProperty("skipped");
    const cases = suite.testcase as Record<string, unknown>[];
    // What the report holds is the cleaned ID (one line, `##[` broken), and the parser gets it back.
    const byName = (id: string) => cases.find((c) => c.name === sanitizeText(id))!;
    expect(cases.map((c) => c.name)[0]).toBe("dep-failed");
    expect(byName("dep-ready")).not.toHaveProperty("failure");
    expect(byName("dep-slow")).toHaveProperty("failure");
    expect(byName("dep-failed")).toHaveProperty("failure");
    expect(byName(rows()[3].deploymentId)).toHaveProperty("error");
    expect(byName("dep-other")).toHaveProperty("skipped");
  });

  it("keeps the rules of Jenkins xUnit's junit-10.xsd in every outcome", () => {
    const [ready, slow, failedRow, unreachable, skipped] = rows();
    const creating = deployment("dep-c", { status: "STATUS_CREATING" });
    const notReady: ResultRow = {
      deploymentId: "dep-c",
      outcome: "not_ready",
      elapsedMs: 10,
      polls: 1,
      deployment: creating,
      verdict: evaluateReadiness(creating),
    };
    const apiError: ResultRow = {
      deploymentId: "dep-404",
      outcome: "error",
      elapsedMs: 10,
      polls: 1,
      error: new ServerError("HTTP 404"),
    };
    const cancelled = cutShort(slow);
    const runs: Run[] = [
      wait([ready]),
      wait([slow]),
      wait([failedRow]),
      wait([unreachable]),
      wait([apiError]),
      wait([failedRow, skipped]),
      cancelledRun("SIGTERM", [ready, cancelled]),
      { command: "get", rows: [notReady, ready] },
      wait(rows()),
      wait([]),
    ];
    for (const run of runs) expect(junitProblems(junitReport(run))).toEqual([]);
    // The check itself: what the old report wrote is refused.
    expect(
      junitProblems('<testsuites name="x" skipped="1"><testsuite name="x"/></testsuites>'),
    ).toEqual([
      "testsuites: attribute skipped is not allowed",
      "testsuite: attribute tests is required",
      "testsuite: attribute failures is required",
      "testsuite: attribute errors is required",
    ]);
  });

  it("says once why fail-fast skipped a deployment", () => {
    const xml = junitReport(wait([rows()[2], rows()[4]]));
    expect(xml).toContain('<skipped message="not waited for: another deployment failed"/>');
  });

  it("fails a deployment a cancelled run stopped waiting for, with its last status", () => {
    const [, slow] = rows();
    const cancelled = cutShort(slow);
    const xml = junitReport(cancelledRun("SIGTERM", [cancelled]));
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(xml);
    expect(parsed.testsuites.testsuite.testcase.failure).toMatchObject({
      type: "cancelled",
      message: "cancelled: the run was cancelled; last status STATUS_CREATING",
    });
  });
});

describe("the live table", () => {
  const states = [
    { deploymentId: "dep-a", status: "STATUS_READY", ready: true, note: "ready" },
    {
      deploymentId: "dep-b",
      status: "STATUS_CREATING",
      note: `condition Ready is False ${"x".repeat(200)}`,
    },
  ];
  const terminal = { columns: 60, rows: 24 };

  it("cuts each line to the terminal's width, and has no escape codes without colour", () => {
    const lines = liveTableLines(states, 5000, { colour: false, ...terminal });
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line.length).toBeLessThanOrEqual(59);
      expect(line).not.toContain("\x1b");
    }
    expect(lines[0]).toMatch(/^dep-a\s+STATUS_READY\s+5s\s+ready$/);
  });

  it("is never taller than the terminal: the ones not ready first, then one line for the rest", () => {
    const many = Array.from({ length: 40 }, (_, i) => ({
      deploymentId: `dep-${String(i).padStart(2, "0")}`,
      status: i % 4 === 0 ? "STATUS_CREATING" : "STATUS_READY",
      ready: i % 4 !== 0,
      note: i % 4 === 0 ? "condition Ready is False" : "ready",
    }));
    const lines = liveTableLines(many, 5000, { colour: false, columns: 100, rows: 20 });
    expect(lines).toHaveLength(19);
    expect(lines.slice(0, 10).every((line) => line.includes("STATUS_CREATING"))).toBe(true);
    expect(lines[18]).toBe("… 22 more: 22 ready");
    const tiny = liveTableLines(many, 5000, { colour: false, columns: 100, rows: 2 });
    expect(tiny).toEqual(["… 40 more deployments: 10 not ready, 30 ready"]);
  });

  it("measures lines in terminal cells: wide characters count twice", () => {
    const wide = [
      { deploymentId: "dep-wide", status: "STATUS_CREATING", note: "模型加载中".repeat(20) },
    ];
    const [line] = liveTableLines(wide, 5000, { colour: false, columns: 60, rows: 24 });
    const cells = [...line].reduce((sum, char) => sum + cellsOf(char), 0);
    expect(cells).toBeLessThanOrEqual(59);
    expect(cells).toBeGreaterThanOrEqual(58);
    expect(line.length).toBeLessThan(59);
    expect(cellsOf("模")).toBe(2);
    expect(cellsOf("a")).toBe(1);
    expect(cellsOf("\u0301")).toBe(0);
  });

  it("colours a ready line green and a waiting one yellow on a terminal", () => {
    const [ready, waiting] = liveTableLines(states, 5000, { colour: true, columns: 120, rows: 24 });
    expect(ready.startsWith("\x1b[32m")).toBe(true);
    expect(waiting.startsWith("\x1b[33m")).toBe(true);
  });

  it("uses colour only on a terminal, never with NO_COLOR", () => {
    expect(useColour(true, {})).toBe(true);
    expect(useColour(false, {})).toBe(false);
    expect(useColour(true, { NO_COLOR: "1" })).toBe(false);
  });
});
