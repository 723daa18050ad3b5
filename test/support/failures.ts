/** What a call that must fail threw: tests read its class, message and fields. */
import type { CoreweaveError } from "../../src/client";
import { DeploymentLookupError } from "../../src";

/** An error with the typed fields a test may read (`httpStatus`, `attempts`, `kind`...). */
export type Failure = Error & Partial<CoreweaveError> & Record<string, unknown>;

/** The error `fn` throws; fails the test when it throws nothing. */
export function thrown(fn: () => unknown): Failure {
  try {
    fn();
  } catch (error) {
    return error as Failure;
  }
  throw new Error("expected it to throw");
}

/** The error a construct's lookup throws; fails the test when it is anything else. */
export function lookupFailure(fn: () => unknown): DeploymentLookupError {
  const error = thrown(fn);
  if (error instanceof DeploymentLookupError) return error;
  throw error;
}

/** The error `promise` rejects with; fails the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Failure> {
  try {
    await promise;
  } catch (error) {
    return error as Failure;
  }
  throw new Error("expected the call to fail");
}
