import { encodeDeploymentId } from "../src/api/deployment-id";
import {
  CONNECTION_DEFAULTS,
  resolveApiToken,
  resolveConnection,
  resolveEndpoint,
} from "../src/api/connection";
import { ConfigurationError, InvalidDeploymentIdError } from "../src/api/errors";
import { thrown } from "./support/failures";

describe("resolveEndpoint", () => {
  it("takes the option, then COREWEAVE_API_ENDPOINT, then production", () => {
    const env = { COREWEAVE_API_ENDPOINT: "https://proxy.example.com/cw" };
    expect(resolveEndpoint("https://other.example.com", env).href).toBe(
      "https://other.example.com/",
    );
    expect(resolveEndpoint(undefined, env).href).toBe("https://proxy.example.com/cw/");
    expect(resolveEndpoint(undefined, {}).href).toBe("https://api.coreweave.com/");
  });

  it("treats an empty option as not set: the variable still applies", () => {
    const env = { COREWEAVE_API_ENDPOINT: "http://127.0.0.1:9/" };
    expect(resolveEndpoint("", env).href).toBe("http://127.0.0.1:9/");
    expect(resolveEndpoint("  ", env).href).toBe("http://127.0.0.1:9/");
    expect(resolveEndpoint("", { COREWEAVE_API_ENDPOINT: "" }).href).toBe(
      "https://api.coreweave.com/",
    );
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

  it.each([
    ["https://api.coreweave.com/v1alpha1", "/v1alpha1", "https://api.coreweave.com/"],
    ["https://api.coreweave.com/v1alpha1/", "/v1alpha1", "https://api.coreweave.com/"],
    [
      "https://proxy.example/cw/v1alpha1/inference/deployments",
      "/v1alpha1/inference/deployments",
      "https://proxy.example/cw/",
    ],
  ])("refuses %s, which ends with the API path, naming the base URL", (endpoint, path, base) => {
    expect(() => resolveEndpoint(endpoint, {})).toThrow(ConfigurationError);
    expect(thrown(() => resolveEndpoint(endpoint, {})).message).toBe(
      `the endpoint option ends with the API path ${path}, which every request adds itself. ` +
        `Set it to the base URL without that path: ${base}`,
    );
  });

  it("keeps a reverse-proxy path prefix that is not the API path", () => {
    expect(resolveEndpoint("https://proxy.example/coreweave", {}).href).toBe(
      "https://proxy.example/coreweave/",
    );
    expect(resolveEndpoint("https://proxy.example/v1alpha1-proxy/", {}).href).toBe(
      "https://proxy.example/v1alpha1-proxy/",
    );
  });

  it("names the variable when the endpoint comes from COREWEAVE_API_ENDPOINT", () => {
    expect(() =>
      resolveEndpoint(undefined, { COREWEAVE_API_ENDPOINT: "https://h.example/v1alpha1" }),
    ).toThrow(/^COREWEAVE_API_ENDPOINT ends with the API path/);
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

  it("treats an empty option as not set: the variable still applies", () => {
    expect(resolveApiToken("", { COREWEAVE_API_TOKEN: "from-env" })).toBe("from-env");
    expect(() => resolveApiToken("", { COREWEAVE_API_TOKEN: "" })).toThrow(
      /set COREWEAVE_API_TOKEN/,
    );
  });

  it("rejects a token with whitespace inside without echoing it", () => {
    const message = thrown(() => resolveApiToken("abc def-secret", {})).message;
    expect(message).toMatch(/character 4 is U\+0020 \(whitespace\)/);
    expect(message).toMatch(/the apiToken option cannot be sent in an HTTP header/);
    expect(message).not.toContain("def-secret");
    expect(message).not.toContain("abc");
  });

  it.each([
    ["a zero-width space", "QX7\u200BZV9-Q2W", 4, "U+200B (an invisible or control character)"],
    ["a euro sign", "€QX7ZV9-Q2W", 1, "U+20AC (a non-ASCII character)"],
    ["a tab", "QX7\tZV9-Q2W", 4, "U+0009 (an invisible or control character)"],
    ["a non-breaking space", "QX7ZV9\u00A0Q2W", 7, "U+00A0 (whitespace)"],
    ["an emoji", "QX\u{1F600}7ZV9-Q2W", 3, "U+1F600 (a non-ASCII character)"],
    ["a lone surrogate", "QX7\uD800ZV9-Q2W", 4, "U+D800 (a lone UTF-16 surrogate"],
  ])(
    "rejects a token with %s, naming its position and kind but no part of the token",
    (_what, token, position, kind) => {
      const env = { COREWEAVE_API_TOKEN: token };
      expect(() => resolveApiToken(undefined, env)).toThrow(ConfigurationError);
      const message = thrown(() => resolveApiToken(undefined, env)).message;
      expect(message).toContain(`from COREWEAVE_API_TOKEN cannot be sent in an HTTP header`);
      expect(message).toContain(`character ${position} is ${kind}`);
      for (const part of ["QX", "X7", "ZV", "V9", "Q2W"]) expect(message).not.toContain(part);
    },
  );

  it("counts the position in the value as given, leading whitespace included", () => {
    expect(thrown(() => resolveApiToken("  ab\u200Bc", {})).message).toMatch(
      /character 5 is U\+200B/,
    );
  });

  it("accepts every visible ASCII character, and trims surrounding whitespace", () => {
    const visible = Array.from({ length: 0x7e - 0x20 }, (_, i) => String.fromCharCode(0x21 + i));
    expect(resolveApiToken(visible.join(""), {})).toBe(visible.join(""));
    expect(resolveApiToken("\ttok-1\n", {})).toBe("tok-1");
  });
});

describe("resolveConnection", () => {
  it("applies the defaults, and reads endpoint and token from the environment", () => {
    expect(
      resolveConnection(
        {},
        { COREWEAVE_API_ENDPOINT: "http://127.0.0.1:1", COREWEAVE_API_TOKEN: "t" },
      ),
    ).toEqual({
      endpoint: "http://127.0.0.1:1/",
      apiToken: "t",
      attemptTimeoutMs: 10_000,
      deadlineMs: 60_000,
      maxRetries: 4,
      maxResponseBytes: 1024 * 1024,
    });
    expect(CONNECTION_DEFAULTS).toEqual({
      attemptTimeoutMs: 10_000,
      deadlineMs: 60_000,
      maxRetries: 4,
      maxResponseBytes: 1024 * 1024,
    });
  });

  it("treats undefined and empty strings as not set", () => {
    const resolved = resolveConnection(
      { endpoint: "", apiToken: "", attemptTimeoutMs: undefined, maxRetries: undefined },
      { COREWEAVE_API_ENDPOINT: "http://localhost:2", COREWEAVE_API_TOKEN: "env-token" },
    );
    expect(resolved).toMatchObject({
      endpoint: "http://localhost:2/",
      apiToken: "env-token",
      attemptTimeoutMs: CONNECTION_DEFAULTS.attemptTimeoutMs,
      maxRetries: CONNECTION_DEFAULTS.maxRetries,
    });
  });

  it("returns a resolved connection unchanged", () => {
    const once = resolveConnection({ apiToken: "t", maxRetries: 0, deadlineMs: 5 }, {});
    expect(resolveConnection(once, {})).toEqual(once);
  });

  it.each([
    [{ attemptTimeoutMs: 0 }, "attemptTimeoutMs must be an integer from 1 to 2147483647 (got 0)."],
    [
      { deadlineMs: 2 ** 31 },
      "deadlineMs must be an integer from 1 to 2147483647 (got 2147483648).",
    ],
    [{ maxRetries: -1 }, "maxRetries must be an integer from 0 to 100 (got -1)."],
    [{ maxRetries: 1.5 }, "maxRetries must be an integer from 0 to 100 (got 1.5)."],
    [{ maxResponseBytes: 0 }, "maxResponseBytes must be an integer >= 1 (got 0)."],
  ])("checks the range of %j", (options, message) => {
    expect(() => resolveConnection({ apiToken: "t", ...options }, {})).toThrow(
      new ConfigurationError(message),
    );
  });
});

describe("encodeDeploymentId", () => {
  it("path-encodes what it accepts", () => {
    expect(encodeDeploymentId("dep-123")).toBe("dep-123");
    expect(encodeDeploymentId("a b?c#d%")).toBe("a%20b%3Fc%23d%25");
    expect(encodeDeploymentId("dép-\u{1F600}")).toBe("d%C3%A9p-%F0%9F%98%80");
  });

  it("shows a bad ID as one printable line in the message and the error", () => {
    let error: InvalidDeploymentIdError | undefined;
    try {
      encodeDeploymentId("dep\u202E\n\uD800");
    } catch (caught) {
      error = caught as InvalidDeploymentIdError;
    }
    expect(error).toBeInstanceOf(InvalidDeploymentIdError);
    expect(error?.deploymentId).toBe("dep???");
    expect(error?.message).toContain('Invalid CoreWeave deployment ID "dep???"');
  });

  it.each([
    ["", /it is empty/],
    ["a/b", /path separator/],
    ["a\\b", /path separator/],
    ["..", /relative path segment/],
    [".", /relative path segment/],
    ["a\nb", /contains control or invisible characters \(character 2 is U\+000A/],
    ["a\u0000", /contains control or invisible characters \(character 2 is U\+0000/],
    ["dep\u200B1", /contains control or invisible characters \(character 4 is U\+200B/],
    ["dep\u202E1", /contains control or invisible characters \(character 4 is U\+202E/],
    ["dep-\u2028", /contains control or invisible characters \(character 5 is U\+2028/],
    ["dep-\uD800", /not well-formed Unicode \(character 5 is U\+D800/],
    ["\uDC00dep", /not well-formed Unicode \(character 1 is U\+DC00/],
    [" dep", /leading or trailing whitespace/],
    ["x".repeat(257), /257 characters long; the limit is 256/],
    [42, /expected a string, got number/],
    [undefined, /expected a string, got undefined/],
  ])("rejects %j", (id, message) => {
    expect(() => encodeDeploymentId(id)).toThrow(InvalidDeploymentIdError);
    expect(() => encodeDeploymentId(id)).toThrow(message);
  });
});
