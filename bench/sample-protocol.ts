/**
 * What the bench (parent) and one sample process (bench/sample.ts) tell each other. Types only:
 * the sample is transpiled on its own and must not require this file at run time.
 */

/** How the sample's stack gets its facts. */
export type StackKind = "literal" | "lookups";

/** Absolute paths of the modules the sample loads, resolved by the parent. */
export interface SampleModules {
  readonly cdktf: string;
  readonly constructs: string;
  /** The compiled package (`dist/`). */
  readonly lib: string;
}

/**
 * The JSON the library writes for one gated deployment, taken from a real lookup's `cdk.tf.json`
 * and turned into literals: the literal stack writes exactly this, with no lookup.
 */
export interface LiteralTemplate {
  /** Stands for the deployment ID in `record` and `gate`. */
  readonly idPlaceholder: string;
  /** Stands for the record's address (`terraform_data.<name>`) in `gate`. */
  readonly recordPlaceholder: string;
  /** The stack's `locals` (the gate's plan clock), verbatim. */
  readonly locals: Readonly<Record<string, string>>;
  /** The stack's `terraform.required_version`. */
  readonly requiredVersion: string;
  /** JSON of the record's `input`, with `idPlaceholder`. */
  readonly record: string;
  /** JSON of the gate's `{ input, lifecycle }`, with both placeholders. */
  readonly gate: string;
}

/** One sample: argv[2] of the sample process, as JSON. */
export interface SampleConfig {
  readonly stack: StackKind;
  /** Deployment IDs, one per gated deployment (repeated for the one-ID cell). */
  readonly deploymentIds: readonly string[];
  /** Whether the app declares its IDs up front with `CoreweaveDeploymentData.prefetch`. */
  readonly prefetch: boolean;
  /** What the literal stack writes (see `LiteralTemplate`); absent for the lookups stack. */
  readonly literal?: LiteralTemplate;
  readonly outdir: string;
  readonly modules: SampleModules;
}

/** Milliseconds spent in each part of the measured span. */
export interface SamplePhases {
  /** `new App` and the stack. */
  readonly appMs: number;
  /** `CoreweaveDeploymentData.prefetch` (0 when the app does not prefetch). */
  readonly prefetchMs: number;
  /** Building the N record and gate pairs: lookups not prefetched happen here. */
  readonly constructMs: number;
  /** `app.synth()`, validation included. */
  readonly synthMs: number;
}

/** The one JSON line a sample prints on stdout. */
export interface SampleResult {
  /** From before `new App` to after `app.synth()`. */
  readonly synthMs: number;
  readonly phases: SamplePhases;
  /** `process.resourceUsage().maxRSS` at the end of the sample, in KB. */
  readonly maxRssKb: number;
  /** Resources in the synthesized `cdk.tf.json`: 2 per deployment, to prove the stacks compare. */
  readonly resources: number;
  /** Size of the synthesized `cdk.tf.json`. */
  readonly jsonBytes: number;
  /** Whether `COREWEAVE_API_TOKEN` was set in the sample's environment. */
  readonly tokenSet: boolean;
}
