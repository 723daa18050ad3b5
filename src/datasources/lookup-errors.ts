/** What `CoreweaveDeploymentData` throws: a lookup that failed, or an output with no value. */
import type { CoreweaveError } from "../api/errors";

/**
 * Synth failed because a deployment could not be looked up. `reason` is the typed error (a
 * `CoreweaveError` subclass); `constructPath` names the construct that asked.
 *
 * A failed synth prints this error the way Node prints any uncaught error. The message already
 * says everything a user can act on, so it prints as that one line: no internal frames, no
 * repeated nested error. That is why the typed error is `reason`, not `cause`: Node expands any
 * `cause` in full, frames included.
 */
export class DeploymentLookupError extends Error {
  readonly #constructPath: string;
  readonly #reason: CoreweaveError;

  constructor(constructPath: string, reason: CoreweaveError) {
    super(`${constructPath}: ${reason.message}`);
    this.name = "DeploymentLookupError";
    this.#constructPath = constructPath;
    this.#reason = reason;
    this.stack = `${this.name}: ${this.message}`;
  }

  get constructPath(): string {
    return this.#constructPath;
  }

  get reason(): CoreweaveError {
    return this.#reason;
  }
}

/**
 * A required output was read from a deployment that lacks the field behind it (e.g.
 * `modelBucket` of a deployment without a model). Thrown when the output is read, so synth stops
 * instead of writing `undefined` into the stack.
 */
export class DeploymentFieldMissingError extends Error {
  // Private, read through getters: Node prints an uncaught error's own enumerable fields as an
  // object block after the message, and this message already names each of them.
  readonly #facts: {
    readonly constructPath: string;
    readonly deploymentId: string;
    readonly field: string;
    readonly output: string;
    readonly optionalOutput: string;
  };

  constructor(
    constructPath: string,
    deploymentId: string,
    field: string,
    output: string,
    optionalOutput: string,
  ) {
    super(
      `${constructPath}: CoreWeave deployment "${deploymentId}" has no ${field}, so ${output} ` +
        `has no value. Give the deployment a ${field.split(".").pop()} in CoreWeave, or read ` +
        `${optionalOutput} (undefined when absent) to handle deployments without one.`,
    );
    this.name = "DeploymentFieldMissingError";
    this.stack = `${this.name}: ${this.message}`;
    this.#facts = { constructPath, deploymentId, field, output, optionalOutput };
  }

  get constructPath(): string {
    return this.#facts.constructPath;
  }

  get deploymentId(): string {
    return this.#facts.deploymentId;
  }

  /** The API field that is absent, e.g. `spec.model`. */
  get field(): string {
    return this.#facts.field;
  }

  /** The output that was read, e.g. `modelBucket`. */
  get output(): string {
    return this.#facts.output;
  }

  /** The optional output that reads `undefined` instead, e.g. `model`. */
  get optionalOutput(): string {
    return this.#facts.optionalOutput;
  }
}
