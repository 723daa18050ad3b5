/**
 * One bench sample, run as a fresh `node` process (transpiled to plain JavaScript by the bench):
 * loads cdktf, builds one stack of N gated deployments either with the library or from
 * literals, runs a real `app.synth()` with validation on, and prints one JSON line
 * (`SampleResult`), then one line each at `beforeExit` and `exit` (`ExitMark`). The parent times
 * the whole process, so Node's start-up, loading cdktf and the library, the lookup thread's start
 * and the exit are all counted, as a user's `cdktf synth` pays them.
 *
 * Only `import type` here: the transpiled file runs alone, and gets the paths of the modules it
 * loads from its config.
 */
import { readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { TerraformResourceLifecycle } from "cdktf";

type Cdktf = typeof import("cdktf");
type Constructs = typeof import("constructs");
type Lib = typeof import("../src");
type Stack = InstanceType<Cdktf["TerraformStack"]>;

/** One gated deployment as the library writes it, with placeholders (see literalTemplate). */
export interface LiteralTemplate {
  /** Stands for the deployment ID in `record` and `gate`. */
  readonly idPlaceholder: string;
  /** Stands for the record's address (`terraform_data.<name>`) in `gate`. */
  readonly recordPlaceholder: string;
  /** The stack's `locals` (the gate's plan clock), verbatim. */
  readonly locals: Readonly<Record<string, string>>;
  readonly requiredVersion: string;
  /** JSON of the record's `input`. */
  readonly record: string;
  /** JSON of the gate's `{ input, lifecycle }`. */
  readonly gate: string;
}

/** argv[2] of a sample, as JSON. */
export interface SampleConfig {
  /** Deployment IDs, one per gated deployment (repeated for the one-ID cell). */
  readonly deploymentIds: readonly string[];
  /** Declares the IDs up front with `CoreweaveDeploymentData.prefetch`. */
  readonly prefetch: boolean;
  /** Writes this from literals instead, without loading the library. */
  readonly literal?: LiteralTemplate;
  readonly outdir: string;
  /** Absolute paths of cdktf, constructs and the compiled library. */
  readonly modules: { readonly cdktf: string; readonly constructs: string; readonly lib: string };
}

/** The one JSON line a sample prints. */
export interface SampleResult {
  /** Peak RSS of the process, worker thread included, in KB. */
  readonly maxRssKb: number;
  /** Resources in the synthesized stack: 2 per deployment, so the stacks compare. */
  readonly resources: number;
  /**
   * When each stage ended, in epoch milliseconds: `cdktf` loaded, `library` loaded, the `first`
   * lookup and its gate built, every `construct` built, `synth` done (the app's last line).
   */
  readonly marks: Readonly<Record<string, number>>;
}

/** A line printed at `beforeExit` and at `exit`: when they came, in epoch milliseconds. */
export interface ExitMark {
  readonly event: "beforeExit" | "exit";
  readonly at: number;
}

/** Now, in epoch milliseconds, to the fraction: comparable across processes on one machine. */
export const now = (): number => performance.timeOrigin + performance.now();

export const SAMPLE_STACK = "bench";

function main(): void {
  const config = JSON.parse(process.argv[2]) as SampleConfig;
  const marks: Record<string, number> = {};
  /* eslint-disable @typescript-eslint/no-require-imports */
  const cdktf = require(config.modules.cdktf) as Cdktf;
  const constructs = require(config.modules.constructs) as Constructs;
  marks.cdktf = now();
  const app = new cdktf.App({ outdir: config.outdir });
  const stack = new cdktf.TerraformStack(app, SAMPLE_STACK);
  if (config.literal) {
    addLiterals(cdktf, constructs, stack, config.literal, config.deploymentIds);
  } else {
    // Only this app loads the library: a user's literal app would not.
    const lib = require(config.modules.lib) as Lib;
    marks.library = now();
    addLookups(lib, stack, config, marks);
  }
  /* eslint-enable @typescript-eslint/no-require-imports */
  marks.constructs = now();
  app.synth();
  marks.synth = now();
  const result: SampleResult = {
    maxRssKb: process.resourceUsage().maxRSS,
    resources: countResources(join(config.outdir, "stacks", SAMPLE_STACK, "cdk.tf.json")),
    marks,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  // Straight to the descriptor: at `exit` an asynchronous write would be lost.
  const mark = (event: ExitMark["event"]) =>
    writeSync(1, `${JSON.stringify({ event, at: now() } satisfies ExitMark)}\n`);
  process.on("beforeExit", () => mark("beforeExit"));
  process.on("exit", () => mark("exit"));
}

/** The library's way: one lookup and one gate per deployment. */
function addLookups(lib: Lib, stack: Stack, config: SampleConfig, marks: Record<string, number>) {
  if (config.prefetch) lib.CoreweaveDeploymentData.prefetch(config.deploymentIds);
  config.deploymentIds.forEach((deploymentId, i) => {
    const deployment = new lib.CoreweaveDeploymentData(stack, `dep-${i}`, { deploymentId });
    const gate = new lib.DeploymentReadinessGate(stack, `dep-${i}-gate`, { deployment });
    // Every fixture is READY: a gate that is not means the bench measured something else.
    if (!gate.verdict.ready) throw new Error(`${deploymentId} is not ready`);
    if (i === 0) marks.first = now();
  });
}

/**
 * The same JSON from literals: per deployment, a record and a gate whose preconditions read it;
 * the plan-clock local and the version constraint once. Plain `TerraformResource`s: cdktf's
 * `DataResource` would spawn `terraform version` per resource at synth (the library does not).
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
    const record = new TerraformData(
      new constructs.Construct(stack, `dep-${i}`),
      "record",
      fill(template.record),
    );
    const gate = fill(template.gate, record.fqn) as {
      input: unknown;
      lifecycle: { precondition: { condition: string; error_message: string }[] };
    };
    new TerraformData(new constructs.Construct(stack, `dep-${i}-gate`), "gate", gate.input, {
      precondition: gate.lifecycle.precondition.map(({ condition, error_message }) => ({
        condition,
        errorMessage: error_message,
      })),
    });
  });
}

function countResources(path: string): number {
  const { resource = {} } = JSON.parse(readFileSync(path, "utf8")) as {
    resource?: Record<string, object>;
  };
  return Object.values(resource).reduce((sum, byName) => sum + Object.keys(byName).length, 0);
}

if (require.main === module) main();
