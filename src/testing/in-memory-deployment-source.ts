import { encodeDeploymentId } from "../api/deployment-id";
import { CoreweaveError, DeploymentNotFoundError, InvalidResponseError } from "../api/errors";
import { checkDeploymentBody } from "../api/schema";
import type { Deployment, GetDeploymentResponseJson } from "../api/deployment";
import type {
  DeploymentLookupRequest,
  DeploymentLookupResult,
  DeploymentSource,
} from "../lookup/deployment-source";
import { answerFromFixedFacts } from "../lookup/fixed-facts";

/**
 * A `DeploymentSource` that answers from memory: no server, no token, no network. Bodies are
 * validated exactly like API answers, so a fixture that the API could not send fails the same
 * way. Create one per test, so no state leaks between tests:
 *
 * ```ts
 * const source = new InMemoryDeploymentSource({ "dep-1": deploymentFixture("dep-1") });
 * new CoreweaveDeploymentData(stack, "llama", { deploymentId: "dep-1", source });
 * expect(source.requestedIds).toEqual(["dep-1"]);
 * ```
 */
export class InMemoryDeploymentSource implements DeploymentSource {
  readonly #bodies = new Map<string, unknown>();
  readonly #requestedIds: string[] = [];

  /** @param deployments wire JSON bodies (`deploymentFixture(id)`) by deployment ID. */
  constructor(deployments: Readonly<Record<string, GetDeploymentResponseJson>> = {}) {
    for (const [id, body] of Object.entries(deployments)) this.set(id, body);
  }

  /** Serves `body` for `id` from now on. Any JSON, so a test can serve a broken answer too. */
  set(id: string, body: GetDeploymentResponseJson | unknown): this {
    this.#bodies.set(id, structuredClone(body));
    return this;
  }

  /** Forgets `id`: later lookups of it fail with `DeploymentNotFoundError`. */
  delete(id: string): this {
    this.#bodies.delete(id);
    return this;
  }

  /** Every ID looked up so far, in order, repeats included. */
  get requestedIds(): readonly string[] {
    return [...this.#requestedIds];
  }

  lookup(requests: readonly DeploymentLookupRequest[]): readonly DeploymentLookupResult[] {
    return requests.map(({ deploymentId, wait }) => {
      try {
        const deployment = this.#answer(deploymentId);
        return answerFromFixedFacts(
          deployment,
          new Date().toISOString(),
          wait,
          "InMemoryDeploymentSource",
        );
      } catch (error) {
        if (error instanceof CoreweaveError) return { ok: false, error };
        throw error;
      }
    });
  }

  #answer(deploymentId: string): Deployment {
    encodeDeploymentId(deploymentId);
    this.#requestedIds.push(deploymentId);
    if (!this.#bodies.has(deploymentId)) {
      throw new DeploymentNotFoundError(
        `CoreWeave deployment "${deploymentId}" is not in this InMemoryDeploymentSource ` +
          `(it has ${[...this.#bodies.keys()].map((id) => JSON.stringify(id)).join(", ") || "none"}). ` +
          "Add it with source.set(id, deploymentFixture(id)).",
        { deploymentId },
      );
    }
    const invalid = (why: string) =>
      new InvalidResponseError(
        `InMemoryDeploymentSource holds an invalid body for deployment "${deploymentId}": ${why}.`,
        { deploymentId },
      );
    const checked = checkDeploymentBody(this.#bodies.get(deploymentId), deploymentId);
    if (checked.ok) return checked.deployment;
    throw invalid(
      checked.problem === "schema"
        ? checked.violations.map((v) => `${v.path} ${v.problem}`).join("; ")
        : "it describes a different deployment (deployment.spec.id does not match)",
    );
  }
}
