import { resolveApiToken, resolveEndpoint } from "../src/api/config";
import { encodeDeploymentId } from "../src/api/deployment-id";
import { ConfigurationError, InvalidDeploymentIdError } from "../src/api/errors";

describe("resolveEndpoint", () => {
  it("takes the option, then COREWEAVE_API_ENDPOINT, then production", () => {
    const env = { COREWEAVE_API_ENDPOINT: "https://proxy.example.com/cw" };
    expect(resolveEndpoint("https://other.example.com", env).href).toBe(
      "https://other.example.com/",
    );
    expect(resolveEndpoint(undefined, env).href).toBe("https://proxy.example.com/cw/");
    expect(resolveEndpoint(undefined, {}).href).toBe("https://api.coreweave.com/");
  });

  it("allows plain http only to loopback", () => {
    for (const ok of ["http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:9"]) {
      expect(() => resolveEndpoint(ok, {})).not.toThrow();
    }
    expect(() => resolveEndpoint("http://api.coreweave.com", {})).toThrow(
      /plain http to api\.coreweave\.com; the API token would travel unencrypted/,
    );
    expect(() => resolveEndpoint("http://10.0.0.1", {})).toThrow(ConfigurationError);
  });

  it.each([
    ["not a url", /is not a valid URL/],
    ["ftp://api.coreweave.com", /must use https/],
    ["https://user:pass@api.coreweave.com", /must not contain credentials/],
    ["https://api.coreweave.com/?x=1", /without a query string/],
  ])("rejects %s", (endpoint, message) => {
    expect(() => resolveEndpoint(endpoint, {})).toThrow(message);
  });
});

describe("resolveApiToken", () => {
  it("takes the option, then COREWEAVE_API_TOKEN", () => {
    expect(resolveApiToken("a", { COREWEAVE_API_TOKEN: "b" })).toBe("a");
    expect(resolveApiToken(undefined, { COREWEAVE_API_TOKEN: "b" })).toBe("b");
  });

  it("fails clearly, before any request, when there is no token", () => {
    expect(() => resolveApiToken(undefined, {})).toThrow(ConfigurationError);
    expect(() => resolveApiToken("  ", {})).toThrow(/set COREWEAVE_API_TOKEN/);
  });

  it("rejects a token with whitespace inside without echoing it", () => {
    let message = "";
    try {
      resolveApiToken("abc def-secret", {});
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/whitespace or control characters/);
    expect(message).not.toContain("def-secret");
  });
});

describe("encodeDeploymentId", () => {
  it("path-encodes what it accepts", () => {
    expect(encodeDeploymentId("dep-123")).toBe("dep-123");
    expect(encodeDeploymentId("a b?c#d%")).toBe("a%20b%3Fc%23d%25");
  });

  it.each([
    ["", /it is empty/],
    ["a/b", /path separator/],
    ["a\\b", /path separator/],
    ["..", /relative path segment/],
    [".", /relative path segment/],
    ["a\nb", /control characters/],
    ["a\u0000", /control characters/],
    [" dep", /leading or trailing whitespace/],
    ["x".repeat(257), /257 characters long; the limit is 256/],
    [42, /expected a string, got number/],
    [undefined, /expected a string, got undefined/],
  ])("rejects %j", (id, message) => {
    expect(() => encodeDeploymentId(id)).toThrow(InvalidDeploymentIdError);
    expect(() => encodeDeploymentId(id)).toThrow(message);
  });
});
