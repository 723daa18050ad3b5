/**
 * One bench sample, run in a fresh `node` process (transpiled by bench/sample-runner.ts): builds a
 * stack of N gated deployments, runs a real `app.synth()` with validation on, and prints one JSON
 * line (`SampleResult`). A fresh process per sample, because the first lookup of a process pays
 * for starting the lookup worker, and that is what a user's `cdktf synth` pays every time.
 *
 * Only `import type` here: this file runs alone from a temporary directory, and gets the paths of
 * the modules it loads from its config.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { TerraformResourceLifecycle } from "cdktf";
import type { LiteralTemplate, SampleConfig, SamplePhases, SampleResult } from "./sample-protocol";

type Cdktf = typeof import("cdktf");
type Constructs = typeof import("constructs");
type Lib = typeof import("../src");
type Stack = InstanceType<Cdktf["TerraformStack"]>;

const STACK = "bench";

function main(): void {
  const config = JSON.parse(process.argv[2]) as SampleConfig;
  // Loaded before the clock starts: the measured span is the app's own work.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cdktf = require(config.modules.cdktf) as Cdktf;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const constructs = require(config.modules.constructs) as Constructs;
  const body = appBody(config, cdktf, constructs);

  const start = performance.now();
  const app = new cdktf.App({ outdir: config.outdir });
  const stack = new cdktf.TerraformStack(app, STACK);
  const afterApp = performance.now();
  body.prefetch();
  const afterPrefetch = performance.now();
  body.addPairs(stack);
  const afterConstruct = performance.now();
  app.synth();
  const end = performance.now();
  // Read before the output is parsed below, which would add to the peak.
  const maxRssKb = process.resourceUsage().maxRSS;

  const phases: SamplePhases = {
    appMs: afterApp - start,
    prefetchMs: afterPrefetch - afterApp,
    constructMs: afterConstruct - afterPrefetch,
    synthMs: end - afterConstruct,
  };
  const result: SampleResult = {
    synthMs: end - start,
    phases,
    maxRssKb,
    ...describeOutput(join(config.outdir, "stacks", STACK, "cdk.tf.json")),
    tokenSet: process.env.COREWEAVE_API_TOKEN !== undefined,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** What the app does between `new App` and `app.synth()`; its modules load before the clock. */
interface AppBody {
  prefetch(): void;
  /** Adds one record and one gate per deployment. */
  addPairs(stack: Stack): void;
}

function appBody(config: SampleConfig, cdktf: Cdktf, constructs: Constructs): AppBody {
  const ids = config.deploymentIds;
  if (config.stack === "literal") {
    const template = config.literal;
    if (!template) throw new Error("a literal sample needs its template");
    return {
      prefetch: () => {},
      addPairs: (stack) => addLiterals(cdktf, constructs, stack, template, ids),
    };
  }
  // Only this app loads the library: a user's literal app would not.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const lib = require(config.modules.lib) as Lib;
  return {
    prefetch: () => {
      if (config.prefetch) lib.CoreweaveDeploymentData.prefetch(ids);
    },
    addPairs: (stack) => addLookups(lib, stack, ids),
  };
}

/** The library's way: one lookup and one gate per deployment. */
function addLookups(lib: Lib, stack: Stack, deploymentIds: readonly string[]): void {
  deploymentIds.forEach((deploymentId, i) => {
    const deployment = new lib.CoreweaveDeploymentData(stack, `dep-${i}`, { deploymentId });
    const gate = new lib.DeploymentReadinessGate(stack, `dep-${i}-gate`, { deployment });
    // Every fixture is READY: a gate that is not means the bench measured something else.
    if (!gate.verdict.ready) throw new Error(`${deploymentId} is not ready in the emulator`);
  });
}

/**
 * The same JSON from literals (see bench/literal-template.ts): per deployment, a record holding
 * the facts a lookup records and a gate whose preconditions read it; the gate's plan-clock local
 * and the version constraint once. Built on cdktf's plain `TerraformResource`, not
 * `DataResource`, which would spawn `terraform version` per resource at synth (the library does
 * not use it either).
 */
function addLiterals(
  cdktf: Cdktf,
  constructs: Constructs,
  stack: Stack,
  template: LiteralTemplate,
  deploymentIds: readonly string[],
): void {
  class TerraformData extends cdktf.TerraformResource {
    constructor(
      scope: InstanceType<Constructs["Construct"]>,
      id: string,
      private readonly input: unknown,
      lifecycle?: TerraformResourceLifecycle,
    ) {
      super(scope, id, {
        terraformResourceType: "terraform_data",
        terraformGeneratorMetadata: { providerName: "terraform" },
        lifecycle,
      });
    }

    protected override synthesizeAttributes(): Record<string, unknown> {
      return { input: this.input };
    }
  }

  for (const [name, expression] of Object.entries(template.locals)) {
    new cdktf.TerraformLocal(stack, name, expression);
  }
  stack.addOverride("terraform.required_version", template.requiredVersion);
  deploymentIds.forEach((deploymentId, i) => {
    const fill = (json: string, record = ""): unknown =>
      JSON.parse(
        json
          .split(template.idPlaceholder)
          .join(deploymentId)
          .split(template.recordPlaceholder)
          .join(record),
      );
    const scope = new constructs.Construct(stack, `dep-${i}`);
    const record = new TerraformData(scope, "record", fill(template.record));
    const gate = fill(template.gate, record.fqn) as GateJson;
    new TerraformData(new constructs.Construct(stack, `dep-${i}-gate`), "gate", gate.input, {
      precondition: gate.lifecycle.precondition.map(({ condition, error_message }) => ({
        condition,
        errorMessage: error_message,
      })),
    });
  });
}

/** The gate as `cdk.tf.json` holds it. */
interface GateJson {
  readonly input: unknown;
  readonly lifecycle: {
    readonly precondition: readonly { condition: string; error_message: string }[];
  };
}

/** Counts the resources of the synthesized stack and measures its size. */
function describeOutput(path: string): Pick<SampleResult, "resources" | "jsonBytes"> {
  const text = readFileSync(path, "utf8");
  const { resource = {} } = JSON.parse(text) as { resource?: Record<string, object> };
  const resources = Object.values(resource).reduce(
    (sum, byName) => sum + Object.keys(byName).length,
    0,
  );
  return { resources, jsonBytes: Buffer.byteLength(text) };
}

main();
