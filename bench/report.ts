/**
 * Turns the bench's samples into medians, the README table and the targets of issue 6 ("5. Cost"),
 * each met or not. Pure functions of the measurements, so the numbers printed are the ones judged.
 */
import type { SamplePhases } from "./sample-protocol";
import type { SampleRun } from "./sample-runner";

/** The apps the bench compares (see the header of bench/lookup.bench.ts). */
export type CellName = "literal" | "prefetched" | "one-by-one" | "one-id" | "replay";

/** One sample as the bench recorded it: the sample's own numbers plus the emulator's count. */
export interface Measurement extends SampleRun {
  /** API requests the emulator received during the sample. */
  readonly requests: number;
}

/** Medians of one cell's samples. */
export interface CellSummary {
  readonly samples: number;
  readonly synthMs: number;
  readonly processMs: number;
  readonly phases: SamplePhases;
  readonly rssMb: number;
  /** The most any sample sent: a target on requests must hold for every sample. */
  readonly requests: number;
  readonly resources: number;
  readonly jsonKb: number;
  /** Whether any sample had `COREWEAVE_API_TOKEN` set. */
  readonly tokenSet: boolean;
}

export type Summaries = ReadonlyMap<string, CellSummary>;

export function cellKey(name: CellName, n: number): string {
  return `${name}:${n}`;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function summarize(measurements: readonly Measurement[]): CellSummary {
  const of = (pick: (m: Measurement) => number): number => median(measurements.map(pick));
  return {
    samples: measurements.length,
    synthMs: of((m) => m.synthMs),
    processMs: of((m) => m.processMs),
    phases: {
      appMs: of((m) => m.phases.appMs),
      prefetchMs: of((m) => m.phases.prefetchMs),
      constructMs: of((m) => m.phases.constructMs),
      synthMs: of((m) => m.phases.synthMs),
    },
    rssMb: of((m) => m.maxRssKb / 1024),
    requests: Math.max(...measurements.map((m) => m.requests)),
    resources: of((m) => m.resources),
    jsonKb: of((m) => m.jsonBytes / 1024),
    tokenSet: measurements.some((m) => m.tokenSet),
  };
}

const ms = (value: number): string => value.toFixed(0);
const mb = (value: number): string => value.toFixed(0);

/** The N of the cells that do not run at every size. */
export interface SpecialSizes {
  readonly oneId: number;
  readonly replay: number;
}

/** The README table: one row per N, then the one-ID and replay cells. */
export function markdownTable(
  summaries: Summaries,
  sizes: readonly number[],
  special: SpecialSizes,
): string {
  const get = (name: CellName, n: number) => summaries.get(cellKey(name, n));
  const synth = (cell: CellSummary | undefined, missing = "—") =>
    cell ? ms(cell.synthMs) : missing;
  const rss = (cell: CellSummary | undefined) => (cell ? mb(cell.rssMb) : "—");
  const lines = [
    "| N | literal synth ms | prefetched lookups synth ms | one-by-one synth ms | requests (prefetched / one-by-one) | peak RSS literal / lookups MB |",
    "|---|---:|---:|---:|---:|---:|",
  ];
  for (const n of sizes) {
    const literal = get("literal", n);
    const prefetched = get("prefetched", n);
    const oneByOne = get("one-by-one", n);
    lines.push(
      row([
        String(n),
        synth(literal),
        synth(prefetched),
        synth(oneByOne, "not run"),
        `${prefetched?.requests ?? "—"} / ${oneByOne?.requests ?? "—"}`,
        `${rss(literal)} / ${rss(prefetched)}`,
      ]),
    );
  }
  const oneId = get("one-id", special.oneId);
  const oneIdLiteral = get("literal", special.oneId);
  lines.push(
    row([
      `${special.oneId}, all of one ID`,
      synth(oneIdLiteral),
      "—",
      synth(oneId),
      `— / ${oneId?.requests ?? "—"}`,
      `${rss(oneIdLiteral)} / ${rss(oneId)}`,
    ]),
  );
  const replay = get("replay", special.replay);
  const replayLiteral = get("literal", special.replay);
  lines.push(
    row([
      `${special.replay}, replayed without a token`,
      synth(replayLiteral),
      synth(replay),
      "—",
      `${replay?.requests ?? "—"} / —`,
      `${rss(replayLiteral)} / ${rss(replay)}`,
    ]),
  );
  return lines.join("\n");
}

/** Where the time goes, per cell: the sample's phases and the whole process as the parent saw it. */
export function detailTable(summaries: Summaries): string {
  const lines = [
    "| cell | samples | app ms | prefetch ms | constructs ms | app.synth() ms | process ms | requests | resources | cdk.tf.json KB | peak RSS MB |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const [key, cell] of summaries) {
    const { phases } = cell;
    lines.push(
      row([
        key,
        String(cell.samples),
        ms(phases.appMs),
        ms(phases.prefetchMs),
        ms(phases.constructMs),
        ms(phases.synthMs),
        ms(cell.processMs),
        String(cell.requests),
        String(cell.resources),
        cell.jsonKb.toFixed(0),
        mb(cell.rssMb),
      ]),
    );
  }
  return lines.join("\n");
}

export interface Target {
  readonly text: string;
  readonly met: boolean;
  /** The measured numbers against the limit. */
  readonly evidence: string;
}

/** The targets of issue 6, at the emulator's latency; a missing cell counts as not met. */
export function evaluateTargets(summaries: Summaries, rttMs: number): Target[] {
  const get = (name: CellName, n: number) => summaries.get(cellKey(name, n));
  const rtt = (count: number) => `${count} RTT = ${ms(count * rttMs)} ms`;
  const added = (name: CellName, n: number): number | undefined => {
    const lookups = get(name, n);
    const literal = get("literal", n);
    return lookups && literal ? lookups.synthMs - literal.synthMs : undefined;
  };
  const targets: Target[] = [];

  // One lookup, as a user writes it: no prefetch.
  const one = added("one-by-one", 1);
  const oneLimit = rttMs + 150;
  targets.push({
    text: "1 lookup adds at most 1 RTT + 150 ms",
    met: one !== undefined && one <= oneLimit,
    evidence: `adds ${fmt(one)} ms (one-by-one N=1 minus literal N=1); limit ${rtt(1)} + 150 = ${ms(oneLimit)} ms`,
  });

  const hundred = added("prefetched", 100);
  const hundredLimit = 4 * rttMs + 300;
  targets.push({
    text: "100 distinct declared-up-front lookups add at most 4 RTT + 300 ms",
    met: hundred !== undefined && hundred <= hundredLimit,
    evidence: `adds ${fmt(hundred)} ms (prefetched N=100 minus literal N=100), ${get("prefetched", 100)?.requests ?? "?"} requests; limit ${rtt(4)} + 300 = ${ms(hundredLimit)} ms`,
  });

  const oneId = get("one-id", 1000);
  targets.push({
    text: "1000 lookups of one ID send 1 request",
    met: oneId?.requests === 1,
    evidence: `${oneId?.requests ?? "?"} request(s), the most of ${oneId?.samples ?? 0} samples`,
  });

  const replay = get("replay", 100);
  const replayAdded = added("replay", 100);
  targets.push({
    text: "replay of 100 lookups adds at most 50 ms and sends 0 requests",
    met:
      replay !== undefined &&
      replayAdded !== undefined &&
      replayAdded <= 50 &&
      replay.requests === 0 &&
      !replay.tokenSet,
    evidence: `adds ${fmt(replayAdded)} ms (replay N=100 minus literal N=100), ${replay?.requests ?? "?"} requests, token ${replay?.tokenSet === false ? "unset" : "SET"}; limit 50 ms, 0 requests`,
  });

  const literalRss = get("literal", 1000)?.rssMb;
  const lookupsRss = get("prefetched", 1000)?.rssMb;
  const rssAdded =
    literalRss !== undefined && lookupsRss !== undefined ? lookupsRss - literalRss : undefined;
  targets.push({
    text: "peak RSS for 1000 lookups stays within 50 MB of the literal stack's",
    met: rssAdded !== undefined && rssAdded <= 50,
    evidence: `${fmt(lookupsRss)} MB vs ${fmt(literalRss)} MB literal: +${fmt(rssAdded)} MB; limit +50 MB`,
  });
  return targets;
}

export function targetList(targets: readonly Target[]): string {
  return targets
    .map(({ text, met, evidence }) => `- ${met ? "**met**" : "**not met**"}: ${text} (${evidence})`)
    .join("\n");
}

function fmt(value: number | undefined): string {
  return value === undefined ? "?" : value.toFixed(0);
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(" | ")} |`;
}
