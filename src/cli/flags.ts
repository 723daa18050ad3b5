/**
 * The flags that several commands take, declared once (a command's own flags are declared in its
 * module), and the API client the connection flags configure.
 */
import { DEFAULT_ENDPOINT, ENDPOINT_ENV } from "../api/connection";
import { CoreweaveInferenceClient } from "../api/coreweave-inference-client";
import type { FlagSpecs } from "./command-line";

export const ENDPOINT_FLAG = {
  endpoint: {
    type: "string",
    placeholder: "URL",
    description: `API base URL (default: ${ENDPOINT_ENV}, else ${DEFAULT_ENDPOINT})`,
  },
} as const satisfies FlagSpecs;

export const JSON_FLAG = {
  json: {
    type: "boolean",
    description:
      "machine-readable result on stdout (several deployments: one object each, and the overall outcome)",
  },
} as const satisfies FlagSpecs;

/** What `get` and `wait` take besides IDs: a stack's IDs, and the reports of many deployments. */
export const FLEET_FLAGS = {
  stack: {
    type: "string",
    placeholder: "DIR",
    description: "also the deployments a synthesized stack looks up (cdktf.out/stacks/<name>)",
  },
  ...JSON_FLAG,
  junit: {
    type: "string",
    placeholder: "FILE",
    description: "write a JUnit XML report, one test case per deployment",
  },
  ...ENDPOINT_FLAG,
} as const satisfies FlagSpecs;

/** The client, with configuration errors worded for the command line (flags, variables). */
export function apiClient(
  endpoint: string | undefined,
  env: NodeJS.ProcessEnv,
): CoreweaveInferenceClient {
  return new CoreweaveInferenceClient({ endpoint, env, optionNames: { endpoint: "--endpoint" } });
}
