/** @type {import('jest').Config} */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  setupFilesAfterEnv: ["<rootDir>/test/setup-cdktf.ts"],
  // One temporary root per run, removed at the end: no test leaves a folder behind.
  globalSetup: "<rootDir>/test/support/global-setup.ts",
  globalTeardown: "<rootDir>/test/support/global-teardown.ts",
  // End-to-end tests run real `terraform plan`s and child processes: give them room.
  testTimeout: 120000,
  // Two cores: keep parallel terraform runs from starving each other.
  maxWorkers: 2,
};
