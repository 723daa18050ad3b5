/**
 * Replay misses: a lookup the lookup file has no entry for reads as a placeholder, so the app
 * builds every lookup and `app.synth()` fails once naming every missing ID, before any stack is
 * written (cdktf and cdktn, with or without `skipValidation`). Real `App`s and lookup files.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as cdktf from "cdktf";
import {
  CoreweaveDeploymentData,
  DeploymentReadinessGate,
  LookupNotRecordedError,
  ReplayDeploymentSource,
} from "../src";
import { ConfigurationError } from "../src/client";
import { deploymentFixture } from "../src/testing";
import { walk } from "./support/files";
import { thrown } from "./support/failures";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdktn = require("cdktn") as typeof cdktf;

const PLACEHOLDER = "coreweave-not-recorded";
const temporaryDirs: string[] = [];
let stderr: jest.SpyInstance;

/** A new temporary folder, removed after the tests. */
function temporaryDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temporaryDirs.push(dir);
  return dir;
}

beforeEach(() => {
  // The per-miss lines are checked in lookup-modes.test.ts; here they would only be noise.
  stderr = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
});
afterEach(() => stderr.mockRestore());
afterAll(() => {
  for (const dir of temporaryDirs) rmSync(dir, { recursive: true, force: true });
});

/** A replay source over a lookup file that holds `dep-recorded` only, from the default API. */
function replaySource(): ReplayDeploymentSource {
  const file = join(temporaryDir("cw-misses-file-"), "coreweave-lookups.json");
  const entry = {
    recordedAt: new Date().toISOString(),
    endpoint: "https://api.coreweave.com/",
    ...deploymentFixture("dep-recorded"),
  };
  writeFileSync(file, JSON.stringify({ version: 1, deployments: { "dep-recorded": entry } }));
  return new ReplayDeploymentSource(file);
}

const listOf = (ids: readonly string[]) =>
  `coreweave-lookups.json (replay mode) has no entry for ${ids.length} CoreWeave deployments: ` +
  `${ids.map((id) => `"${id}"`).join(", ")}. Record them with COREWEAVE_API_TOKEN set: npx ` +
  `coreweave-inference lookups record ${ids.join(" ")}, or COREWEAVE_LOOKUP_MODE=record cdktf synth.`;

describe("a placeholder", () => {
  function missing() {
    const stack = new cdktf.TerraformStack(cdktf.Testing.app(), "s");
    const source = replaySource();
    const lookup = new CoreweaveDeploymentData(stack, "d", { deploymentId: "dep-gone", source });
    return { stack, lookup };
  }

  it("is never ready, was never observed, and has values app code can use until synth", () => {
    const { lookup } = missing();
    expect(lookup.deploymentId).toBe("dep-gone");
    expect(lookup.status).toBe("STATUS_UNSPECIFIED");
    expect(lookup.isReady).toBe(false);
    expect(lookup.conditions).toEqual([]);
    expect(lookup.disabled).toBe(false);
    // The epoch: any freshness check of the time it was looked up fails.
    expect(lookup.observedAt).toBe("1970-01-01T00:00:00.000Z");
    expect(lookup.gatewayIds).toEqual([PLACEHOLDER]);
    expect(lookup.model).toEqual({ name: PLACEHOLDER, bucket: PLACEHOLDER, path: PLACEHOLDER });
    expect([lookup.modelName, lookup.modelBucket, lookup.modelPath]).toEqual([
      PLACEHOLDER,
      PLACEHOLDER,
      PLACEHOLDER,
    ]);
    expect(lookup.runtimeEngine).toBe(PLACEHOLDER);
    expect(lookup.instanceType).toBe(PLACEHOLDER);
    // Arithmetic on it stays finite.
    expect(8 / lookup.gpuCount).toBe(8);
  });

  it("fails every gate, under the most lenient policy there is", () => {
    const { stack, lookup } = missing();
    const lenient = new DeploymentReadinessGate(stack, "gate", {
      deployment: lookup,
      acceptedStatuses: ["STATUS_READY", "STATUS_UPDATING", "STATUS_CREATING"],
      requiredConditions: [],
      allowDisabled: true,
      maxAgeMs: 365 * 24 * 3_600_000,
    });
    expect(lenient.verdict.ready).toBe(false);
    expect(lenient.verdict.blockers).toEqual([
      "status is STATUS_UNSPECIFIED; ready needs STATUS_READY or STATUS_UPDATING or STATUS_CREATING",
    ]);
    // No policy can accept the placeholder's status.
    expect(
      () =>
        new DeploymentReadinessGate(stack, "accepts-it", {
          deployment: lookup,
          acceptedStatuses: ["STATUS_UNSPECIFIED"],
        }),
    ).toThrow(/acceptedStatuses contains "STATUS_UNSPECIFIED"/);
  });

  it("cannot be rendered by any synth path, Testing.synth included", () => {
    const { stack } = missing();
    const error = thrown(() => cdktf.Testing.synth(stack));
    expect(error).toBeInstanceOf(LookupNotRecordedError);
    expect(error.message).toBe(listOf(["dep-gone"]).replace("deployments:", "deployment:"));
  });
});

describe.each([
  ["cdktf", cdktf],
  ["cdktn", cdktn],
])("app.synth() with replay misses (%s)", (_name, lib) => {
  /**
   * Three stacks: `first`, built first, takes a placeholder value from a lookup in `second`;
   * `third` gates on another miss, whose output is read before `second` exists.
   */
  function appWithMisses(skipValidation: boolean) {
    const outdir = temporaryDir("cw-misses-out-");
    const app = new lib.App({ outdir, skipValidation });
    const source = replaySource();
    const lookup = (stack: cdktf.TerraformStack, deploymentId: string) =>
      new CoreweaveDeploymentData(stack, deploymentId, { deploymentId, source });
    const first = new lib.TerraformStack(app, "first");
    const third = new lib.TerraformStack(app, "third");
    const gated = lookup(third, "dep-gated");
    new lib.TerraformOutput(third, "gpus", { value: gated.gpuCount * 2 });
    new DeploymentReadinessGate(third, "gate", { deployment: gated });
    const second = new lib.TerraformStack(app, "second");
    const model = lookup(second, "dep-model");
    lookup(second, "dep-recorded");
    new lib.TerraformOutput(first, "bucket", { value: `s3://${model.modelBucket}` });
    return { app, outdir };
  }

  it.each([false, true])(
    "fails once naming every missing ID, and writes no stack (skipValidation: %s)",
    (skipValidation) => {
      const { app, outdir } = appWithMisses(skipValidation);
      const error = thrown(() => app.synth());
      expect(error).toBeInstanceOf(LookupNotRecordedError);
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error.message).toBe(listOf(["dep-gated", "dep-model"]));
      // Nothing under the outdir: no stack file, so nothing to plan; no manifest either.
      const files = walk(outdir);
      expect(files.filter((file) => file.endsWith("cdk.tf.json"))).toEqual([]);
      expect(files).toEqual([]);
    },
  );

  it("would have written the stacks before a failing stack validation (why a validation is not used)", () => {
    const outdir = temporaryDir("cw-misses-out-");
    const app = new lib.App({ outdir });
    const early = new lib.TerraformStack(app, "early");
    new lib.TerraformOutput(early, "value", { value: PLACEHOLDER });
    const late = new lib.TerraformStack(app, "late");
    late.node.addValidation({ validate: () => ["late is not valid"] });
    expect(() => app.synth()).toThrow("late is not valid");
    const written = walk(outdir).filter((file) => file.endsWith("cdk.tf.json"));
    expect(written).toEqual([join(outdir, "stacks", "early", "cdk.tf.json")]);
  });
});
