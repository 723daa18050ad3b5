/**
 * `cdktf-coreweave-inference/testing`: a local CoreWeave Inference API emulator and wire-JSON
 * fixtures for offline tests.
 */
export {
  CoreweaveEmulator,
  DEFAULT_EMULATOR_TOKEN,
  EMULATOR_ENV,
  LISTENING_LINE_PREFIX,
} from "./emulator";
export type {
  AuthState,
  BodyFault,
  CoreweaveEmulatorOptions,
  Fault,
  FaultTarget,
  FaultType,
  HangFault,
  JsonValue,
  MalformedFault,
  OversizedFault,
  RequestLogEntry,
  ResetFault,
  Scenario,
  ScenarioStep,
  SchemaInvalidFault,
  SlowBodyFault,
  SlowHeadersFault,
  StaticScenario,
  StatusFault,
  SteppedScenario,
  WireCondition,
  WireDeployment,
} from "./emulator-types";
export { EmulatorInputError } from "./emulator-validation";
export { startEmulatorProcess } from "./emulator-process";
export type { EmulatorProcess, EmulatorProcessOptions } from "./emulator-process";
export { deploymentFixture, demoScenarios } from "./fixtures";
export type { DeploymentFixtureOverrides } from "./fixtures";
export { InMemoryDeploymentSource } from "./in-memory-deployment-source";
