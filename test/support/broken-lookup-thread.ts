// A lookup thread whose dependencies fail to load, as a broken install would: the real thread's
// main module, with its API client failing to load. The entry sets up its reply channel before it
// loads the client, so the synth thread must still hear why.
import Module from "node:module";

type Load = (this: unknown, request: string, ...rest: unknown[]) => unknown;
const loader = Module as unknown as { _load: Load };
const load = loader._load;
loader._load = function (request, ...rest) {
  if (request === "../api/coreweave-inference-client")
    throw new Error("Cannot find module 'undici' (simulated)");
  return load.call(this, request, ...rest);
};

// eslint-disable-next-line @typescript-eslint/no-require-imports
require("../../src/lookup/lookup-thread-main");
