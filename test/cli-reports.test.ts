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
import type { ResultRow } from "../src/cli/fleet";
import {
  annotations,
  junitReport,
  liveTableLines,
  stepSummary,
  useColour,
} from "../src/cli/reports";
import { deploymentFixture } from "../src/testing";
import { parseGetDeploymentResponse } from "../src/api/schema";
import { sanitizeText } from "../src/api/text";

const HOSTILE = 'x | y <script>alert(1)</script> & "q" \n::error::forged ##[add-path]/evil %0A';

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
    { deploymentId: "dep-other", outcome: "cancelled", elapsedMs: 300, polls: 1 },
  ];
}

describe("GitHub step summary", () => {
  it("renders as one GFM table: a row per deployment, five cells each, no HTML from the API", () => {
    const markdown = stepSummary("wait", rows());
    const html = new MarkdownIt({ html: false }).render(markdown);
    expect(html.match(/<table>/g)).toHaveLength(1);
    const header = [...html.matchAll(/<th>(.*?)<\/th>/g)].map((m) => m[1]);
    expect(header).toEqual(["deployment", "status", "ready", "waited for", "blockers"]);
    const bodyRows = [...html.matchAll(/<tr>\n((?:<td>[\s\S]*?<\/td>\n)+)<\/tr>/g)];
    expect(bodyRows).toHaveLength(5);
    for (const row of bodyRows) expect(row[1].match(/<td>/g)).toHaveLength(5);
    expect(html).not.toMatch(/<script>|<b>/);
    expect(html).toContain("&lt;script&gt;");
    expect(markdown).toMatch(/^### coreweave-inference wait: 1 of 5 ready$/m);
    expect(html).toContain("<td>yes</td>");
    expect(html).toContain("<td>no (will not become ready)</td>");
  });
});

describe("GitHub annotations", () => {
  it("writes one ::error per deployment that is not ready, escaped so API text stays inert", () => {
    const lines = annotations("wait", rows()).split("\n").filter(Boolean);
    expect(lines).toHaveLength(4);
    for (const line of lines) {
      expect(line).toMatch(/^::error title=[^:]*::/);
      expect(line).not.toContain("##[");
    }
    // The API's newline did not start a line of its own, so its `::error::` stays text.
    const slow = lines.find((line) => line.includes("dep-slow"));
    expect(slow).toContain("::error::forged");
    expect(slow).toContain("%250A");
    expect(slow).toMatch(
      /^::error title=coreweave-inference wait%3A dep-slow not ready at the timeout::/,
    );
  });

  it("warns instead for get, which succeeds whatever the status", () => {
    const creating = deployment("dep-c", { status: "STATUS_CREATING" });
    const text = annotations("get", [
      {
        deploymentId: "dep-c",
        outcome: "not_ready",
        elapsedMs: 10,
        polls: 1,
        deployment: creating,
        verdict: evaluateReadiness(creating),
      },
    ]);
    expect(text).toMatch(
      /^::warning title=coreweave-inference get%3A dep-c not ready::not ready: /,
    );
  });
});

describe("JUnit XML", () => {
  it("is well-formed, and counts a test case per deployment by outcome", () => {
    const xml = junitReport("wait", rows(), new Date("2026-11-30T10:00:00Z"));
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
    const cases = suite.testcase as Record<string, unknown>[];
    // What the report holds is the cleaned ID (one line, `##[` broken), and the parser gets it back.
    expect(cases.map((c) => c.name)).toEqual(rows().map((row) => sanitizeText(row.deploymentId)));
    expect(cases[0]).not.toHaveProperty("failure");
    expect(cases[1]).toHaveProperty("failure");
    expect(cases[2]).toHaveProperty("failure");
    expect(cases[3]).toHaveProperty("error");
    expect(cases[4]).toHaveProperty("skipped");
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

  it("cuts each line to the terminal's width, and has no escape codes without colour", () => {
    const lines = liveTableLines(states, 5000, { colour: false, columns: 60 });
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line.length).toBeLessThanOrEqual(59);
      expect(line).not.toContain("\x1b");
    }
    expect(lines[0]).toMatch(/^dep-a\s+STATUS_READY\s+5s\s+ready$/);
  });

  it("colours a ready line green and a waiting one yellow on a terminal", () => {
    const [ready, waiting] = liveTableLines(states, 5000, { colour: true, columns: 120 });
    expect(ready.startsWith("\x1b[32m")).toBe(true);
    expect(waiting.startsWith("\x1b[33m")).toBe(true);
  });

  it("uses colour only on a terminal, never with NO_COLOR", () => {
    expect(useColour(true, {})).toBe(true);
    expect(useColour(false, {})).toBe(false);
    expect(useColour(true, { NO_COLOR: "1" })).toBe(false);
  });
});
