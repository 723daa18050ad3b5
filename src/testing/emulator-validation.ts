/**
 * Checks of what users hand the emulator: scenarios, faults and options. They arrive from
 * TypeScript callers and as JSON over the control API (from `startEmulatorProcess` or any HTTP
 * client), so the types alone prove nothing: every field is checked, and every error names the
 * field's path, so that a typo (`delay` for `delayMs`) fails loudly instead of being ignored.
 *
 * The deployments inside scenarios are served as given, so that tests can serve answers the
 * client refuses. Only fixtures files given to the CLI are also checked as the client checks an
 * answer ({@link checkFixtureDeployments}).
 */
import { KNOWN_DEPLOYMENT_STATUSES } from "../api/deployment";
import { printable } from "../api/text";
import { schema } from "../api/lazy-schema";
import type { Fault, FaultTarget, FaultType, Scenario } from "./emulator-types";

/** Invalid input to the emulator (a scenario, a fault, an option, a control request). */
export class EmulatorInputError extends TypeError {
  /** The HTTP status the control API answers with. */
  readonly httpStatus: number;

  constructor(message: string, httpStatus = 400) {
    super(message);
    this.name = "EmulatorInputError";
    this.httpStatus = httpStatus;
  }
}

/** One step of a checked scenario, ready to serve. */
export interface StoredStep {
  /** The full response body, serialized once when the scenario is set. */
  readonly body: string;
  readonly requests?: number;
  readonly ms?: number;
}

/** The longest delay `setTimeout` honours; a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The accepted bearer token: it must fit in an `Authorization: Bearer <token>` header. */
export function parseToken(token: unknown): string {
  if (typeof token !== "string" || !/^\S+$/.test(token)) {
    throw new EmulatorInputError("token must be a non-empty string without whitespace");
  }
  return token;
}

/** The `latencyMs` option: milliseconds every API request waits before it is answered. */
export function parseLatency(value: unknown, path = "latencyMs"): number {
  if (value === undefined) return 0;
  numberCheck(
    (n) => Number.isFinite(n) && n >= 0 && n <= MAX_TIMER_MS,
    `a number of milliseconds from 0 to ${MAX_TIMER_MS}`,
  )(value, path);
  return value as number;
}

/**
 * The fields that carry a deployment: `deployment`, and the `readiness` that
 * `coreweave-inference get --json` prints beside it, so that its output is a scenario (or a step)
 * as it stands. `readiness` is derived from the deployment, so it is accepted and ignored.
 */
const DEPLOYMENT_FIELDS = ["deployment", "readiness"] as const;

/** Every field a scenario may have, said as what goes together: static, or stepped. */
const SCENARIO_FIELDS = "deployment and readiness, or steps";

/** How error messages name the scenario served for `id`: `deployments["dep-1"]`. */
export function scenarioPath(id: string): string {
  return `deployments[${JSON.stringify(id)}]`;
}

/**
 * Checks a `Scenario` and serializes each step's body once.
 * @param path names the scenario in error messages, e.g. `deployments["dep-1"]`.
 * @param checkDeployment a further check of each `deployment` served, given the path of the
 *   scenario or step that holds it; throws an {@link EmulatorInputError}.
 */
export function parseScenario(
  value: unknown,
  path: string,
  checkDeployment: (deployment: unknown, path: string) => void = () => undefined,
): StoredStep[] {
  const scenario = asObject(value, path);
  checkFields(scenario, [...DEPLOYMENT_FIELDS, "steps"], path, SCENARIO_FIELDS);
  if (!("steps" in scenario)) {
    const body = responseBody(scenario.deployment, `${path}.deployment`);
    checkDeployment(scenario.deployment, path);
    return [{ body }];
  }
  const mixed = DEPLOYMENT_FIELDS.find((field) => field in scenario);
  if (mixed !== undefined) {
    invalid(path, `has both "steps" and "${mixed}" (allowed: ${SCENARIO_FIELDS})`);
  }
  const { steps } = scenario;
  if (!Array.isArray(steps) || steps.length === 0) {
    invalid(`${path}.steps`, "must be a non-empty array");
  }
  return steps.map((raw: unknown, i) => {
    const stepPath = `${path}.steps[${i}]`;
    const step = asObject(raw, stepPath);
    checkFields(step, [...DEPLOYMENT_FIELDS, "requests", "ms"], stepPath);
    const requests = checkNumber(
      step.requests,
      `${stepPath}.requests`,
      isPositiveInteger,
      "a positive integer",
    );
    const ms = checkNumber(step.ms, `${stepPath}.ms`, isDelay, "a non-negative number");
    if (i < steps.length - 1 && requests === undefined && ms === undefined) {
      invalid(stepPath, 'needs "requests" or "ms": only the last step is served forever');
    }
    const body = responseBody(step.deployment, `${stepPath}.deployment`);
    checkDeployment(step.deployment, stepPath);
    return { body, requests, ms };
  });
}

/**
 * Checks that every deployment the scenarios serve is an answer the client accepts for its
 * key, as `checkDeploymentBody` decides (the API schema, and `spec.id` is the key), with a
 * `status.status` the API could send. A fixtures file is written by hand or recorded, and a
 * mistake in it must fail the start: served, it would fail every client (or, with an unknown
 * status, make a wait run to its timeout) far from its cause. Expects scenarios that
 * {@link parseScenario} accepts; throws an {@link EmulatorInputError} naming the field.
 */
export function checkFixtureDeployments(deployments: Readonly<Record<string, Scenario>>): void {
  // Loaded only here: the server, the control API and `startEmulatorProcess` need no zod.
  const { checkDeploymentBody } = schema();
  for (const [id, scenario] of Object.entries(deployments)) {
    parseScenario(scenario, scenarioPath(id), (deployment, path) => {
      const checked = checkDeploymentBody({ deployment }, id);
      if (!checked.ok && checked.problem === "schema") {
        const [first] = checked.violations;
        invalid(`${path}.${first.path}`, first.problem);
      }
      if (!checked.ok) {
        // The schema passed, so the ID is a string.
        const served = (deployment as { spec: { id: string } }).spec.id;
        invalid(
          `${path}.deployment.spec.id`,
          `is ${quoted(served)}, not the key ${quoted(id)}: the client refuses an answer about another deployment`,
        );
      }
      const { status } = checked.deployment.status;
      if (!API_STATUS_NAME.test(status)) {
        invalid(`${path}.deployment.status.status`, statusProblem(status));
      }
    });
  }
}

/**
 * The form of the API's status names. One the client does not know yet (`STATUS_PAUSED`, from a
 * newer API) is served, as the API may send it; any other text never comes from the API.
 */
const API_STATUS_NAME = /^STATUS_[A-Z0-9_]+$/;

function statusProblem(status: string): string {
  const meant = KNOWN_DEPLOYMENT_STATUSES.find(
    (known) => known === `STATUS_${status.trim().toUpperCase()}` || known === status.toUpperCase(),
  );
  return (
    `is ${quoted(status)}, not a status the API sends` +
    (meant === undefined ? "" : ` (write ${quoted(meant)})`) +
    `: it sends ${KNOWN_DEPLOYMENT_STATUSES.join(", ")}; a client never counts ${quoted(status)} ` +
    "as ready or failed, so a wait on it runs to its timeout"
  );
}

function quoted(text: string): string {
  return JSON.stringify(printable(text, 80));
}

/** Checks a `Fault` against {@link FAULT_FIELDS}; returns a copy the caller cannot change. */
export function parseFault(value: unknown): Fault {
  const fault = asObject(value, "fault");
  const { type } = fault;
  if (typeof type !== "string" || !Object.hasOwn(FAULT_FIELDS, type)) {
    invalid("fault.type", `must be one of ${FAULT_TYPES.join(", ")}`);
  }
  const rules: Readonly<Record<string, FieldRule>> = {
    ...TARGET_FIELDS,
    ...FAULT_FIELDS[type as FaultType],
  };
  checkFields(fault, ["type", ...Object.keys(rules)], `fault (${type})`);
  for (const [field, rule] of Object.entries(rules)) {
    const path = `fault.${field}`;
    if (fault[field] !== undefined) rule.check(fault[field], path);
    else if (rule.required) invalid(path, "is required");
  }
  // A copy, so the caller changing its object later cannot change a queued fault.
  return structuredClone(fault) as unknown as Fault;
}

// --- The field rules ---

/** Checks a field value that is present (not `undefined`); throws a message naming `path`. */
type Check = (value: unknown, path: string) => void;

interface FieldRule {
  readonly required: boolean;
  readonly check: Check;
}
const required = (check: Check): FieldRule => ({ required: true, check });
const optional = (check: Check): FieldRule => ({ required: false, check });

const isPositiveInteger = (n: number): boolean => Number.isSafeInteger(n) && n > 0;
const isDelay = (n: number): boolean => Number.isFinite(n) && n >= 0;
const isHeaderValue = (s: string): boolean => /^[\t\x20-\x7e]+$/.test(s);
const isStatusFrom =
  (min: number) =>
  (n: number): boolean =>
    Number.isInteger(n) && n >= min && n <= 599;

const numberCheck =
  (valid: (n: number) => boolean, expected: string): Check =>
  (value, path) => {
    if (typeof value !== "number" || !valid(value))
      invalid(path, `must be ${expected}${got(value)}`);
  };

const stringCheck =
  (valid: (s: string) => boolean, expected: string): Check =>
  (value, path) => {
    if (typeof value !== "string" || !valid(value))
      invalid(path, `must be ${expected}${got(value)}`);
  };

const objectArrayCheck: Check = (value, path) => {
  if (!Array.isArray(value)) invalid(path, `must be an array of objects${got(value)}`);
  value.forEach((item: unknown, i) => asObject(item, `${path}[${i}]`));
};

/** The fields of the fault with this `type`, besides `type` and the {@link FaultTarget} ones. */
type OwnFaultField<T extends FaultType> = Exclude<
  keyof Extract<Fault, { type: T }>,
  "type" | keyof FaultTarget
>;

/** The fields every fault accepts. */
const TARGET_FIELDS: { readonly [K in keyof FaultTarget]-?: FieldRule } = {
  deploymentId: optional(stringCheck((s) => s !== "", "a non-empty string")),
  times: optional(
    numberCheck(
      (n) => n === -1 || isPositiveInteger(n),
      "a positive integer, or -1 for every request",
    ),
  ),
};

/**
 * The one list of fault types and their fields. Validation, required fields and the allowed-field
 * lists in error messages all derive from it; the type makes it name every field of every fault.
 */
const FAULT_FIELDS: {
  readonly [T in FaultType]: { readonly [K in OwnFaultField<T>]-?: FieldRule };
} = {
  status: {
    httpStatus: required(numberCheck(isStatusFrom(400), "an integer from 400 to 599")),
    grpcCode: optional(numberCheck(Number.isInteger, "an integer")),
    message: optional(stringCheck(() => true, "a string")),
    details: optional(objectArrayCheck),
    retryAfter: optional(stringCheck(isHeaderValue, "printable ASCII")),
  },
  slowHeaders: { delayMs: required(numberCheck(isDelay, "a non-negative number")) },
  slowBody: { delayMs: required(numberCheck(isDelay, "a non-negative number")) },
  hang: {},
  reset: {},
  malformed: {},
  oversized: { bytes: required(numberCheck(isPositiveInteger, "a positive integer")) },
  schemaInvalid: {},
  body: {
    httpStatus: required(numberCheck(isStatusFrom(200), "an integer from 200 to 599")),
    body: required(stringCheck(() => true, "a string")),
    contentType: optional(stringCheck(isHeaderValue, "printable ASCII")),
  },
};

/** Every fault `type`, in the order of {@link FAULT_FIELDS}. */
export const FAULT_TYPES: readonly FaultType[] = Object.keys(FAULT_FIELDS) as FaultType[];

// --- Building blocks ---

function invalid(path: string, problem: string): never {
  throw new EmulatorInputError(`${path} ${problem}`);
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  const type = typeof value;
  return `${/^[aeiou]/.test(type) ? "an" : "a"} ${type}`;
}

/** What was wrong, when the value's kind says it (a valid-looking string says nothing). */
function got(value: unknown): string {
  if (typeof value === "number") return `, got ${value}`;
  return typeof value === "string" ? "" : `, got ${kindOf(value)}`;
}

function asObject(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    invalid(path, `must be an object, got ${kindOf(value)}`);
  }
  return value as Record<string, unknown>;
}

/**
 * Rejects unknown fields so that a typo (`delay` for `delayMs`) fails loudly.
 * @param said how the message lists the allowed fields, when a list alone would mislead.
 */
function checkFields(
  object: Record<string, unknown>,
  allowed: readonly string[],
  path: string,
  said = allowed.join(", "),
) {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) invalid(path, `has unknown field "${key}" (allowed: ${said})`);
  }
}

function checkNumber(
  value: unknown,
  path: string,
  valid: (n: number) => boolean,
  expected: string,
): number | undefined {
  if (value !== undefined) numberCheck(valid, expected)(value, path);
  return value as number | undefined;
}

/** The served body `{"deployment": ...}`, serialized now so a bad value fails when it is set. */
function responseBody(deployment: unknown, path: string): string {
  if (deployment === undefined) invalid(path, "is required");
  try {
    return JSON.stringify({ deployment });
  } catch (error) {
    invalid(path, `is not JSON-serializable (${(error as Error).message})`);
  }
}
