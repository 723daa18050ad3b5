import { CONNECTION_OPTION_NAMES } from "../src/api/connection";
import {
  classifyAnswer,
  classifyTransportError,
  findSecret,
  type HttpAnswer,
  type LookupContext,
} from "../src/api/failures";
import { failureToError } from "../src/api/messages";
import { isRetryable } from "../src/api/retry";
import {
  ApiConnectionError,
  ApiTimeoutError,
  InvalidResponseError,
  ProtocolError,
  TlsError,
} from "../src/api/errors";
import { deploymentFixture } from "../src/testing/fixtures";

const SECRET = "cw-secret-token-93b1";
const context: LookupContext = {
  deploymentId: "dep-1",
  origin: "https://api.example.com",
  secret: SECRET,
  maxResponseBytes: 1024,
  deadlineMs: 60_000,
  names: CONNECTION_OPTION_NAMES,
};
const attempt = { timedOut: false, timeoutMs: 10_000, secret: SECRET };
const errorWith = (code: string | undefined, message = "boom", name = "Error") =>
  Object.assign(new Error(message), { code, name });

describe("classifying transport errors", () => {
  it.each([
    "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    "SELF_SIGNED_CERT_IN_CHAIN",
    "DEPTH_ZERO_SELF_SIGNED_CERT",
    "CERT_HAS_EXPIRED",
    "CERT_NOT_YET_VALID",
    "ERR_TLS_CERT_ALTNAME_INVALID",
    "HOSTNAME_MISMATCH",
    "INVALID_CA",
    "CERT_UNTRUSTED",
    "EPROTO",
    "ERR_SSL_WRONG_VERSION_NUMBER",
    "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE",
    "ERR_TLS_INVALID_PROTOCOL_VERSION",
  ])("%s is a TLS failure: not retried, advice names NODE_EXTRA_CA_CERTS", (code) => {
    const failed = classifyTransportError(errorWith(code), attempt);
    expect(failed).toMatchObject({ type: "tls", code });
    expect(isRetryable(failed)).toBe(false);
    const error = failureToError(failed, context, 1, false);
    expect(error).toBeInstanceOf(TlsError);
    expect(error.message).toContain("the TLS handshake with https://api.example.com failed");
    expect(error.message).toContain("NODE_EXTRA_CA_CERTS");
  });

  it.each([
    ["UND_ERR_HEADERS_OVERFLOW", "Headers Overflow Error", "Error"],
    ["HPE_INVALID_CONSTANT", "Response does not match the HTTP/1.1 protocol", "HTTPParserError"],
    [undefined, "Response does not match the HTTP/1.1 protocol (x)", "HTTPParserError"],
  ])("%s (%s) is a protocol violation: not retried", (code, message, name) => {
    const failed = classifyTransportError(errorWith(code, message, name), attempt);
    expect(failed.type).toBe("protocol");
    expect(isRetryable(failed)).toBe(false);
    expect(failureToError(failed, context, 1, false)).toBeInstanceOf(ProtocolError);
  });

  it.each([
    "ECONNREFUSED",
    "ECONNRESET",
    "ENOTFOUND",
    "EAI_AGAIN",
    "UND_ERR_SOCKET",
    "UND_ERR_INFO",
  ])("%s is a connection failure: retried", (code) => {
    const failed = classifyTransportError(errorWith(code), attempt);
    expect(failed.type).toBe("connection");
    expect(isRetryable(failed)).toBe(true);
    const error = failureToError(failed, context, 3, false);
    expect(error.constructor).toBe(ApiConnectionError);
    expect(error.message).toContain(
      `could not reach https://api.example.com: ${code}: boom (3 attempts)`,
    );
  });

  it.each([
    "UND_ERR_CONNECT_TIMEOUT",
    "UND_ERR_HEADERS_TIMEOUT",
    "UND_ERR_BODY_TIMEOUT",
    "ERR_TLS_HANDSHAKE_TIMEOUT",
  ])("%s is a timeout: retried", (code) => {
    const failed = classifyTransportError(errorWith(code), attempt);
    expect(failed).toEqual({ type: "timeout", timeoutMs: 10_000 });
    expect(isRetryable(failed)).toBe(true);
    expect(failureToError(failed, context, 1, false)).toBeInstanceOf(ApiTimeoutError);
  });

  it("reads codes along the cause chain, and the attempt's own timer first", () => {
    const wrapped = Object.assign(new Error("fetch failed"), {
      cause: errorWith("SELF_SIGNED_CERT_IN_CHAIN"),
    });
    expect(classifyTransportError(wrapped, attempt).type).toBe("tls");
    expect(
      classifyTransportError(errorWith("ECONNRESET"), { ...attempt, timedOut: true }).type,
    ).toBe("timeout");
  });

  it("redacts the token from an error message before cleaning and cutting it", () => {
    const failed = classifyTransportError(
      errorWith("ECONNRESET", `${"x".repeat(190)}${SECRET}\u001b[2J`),
      attempt,
    );
    const error = failureToError(failed, context, 1, false);
    expect(error.message).not.toContain(SECRET.slice(0, 6));
    expect(error.message).not.toContain("\u001b");
  });

  it("accepts errors from another realm (no instanceof Error)", () => {
    const foreign = { code: "DEPTH_ZERO_SELF_SIGNED_CERT", message: "self-signed certificate" };
    expect(classifyTransportError(foreign, attempt)).toMatchObject({
      reason: "DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate",
    });
  });
});

describe("classifying HTTP answers", () => {
  const ok = (body: unknown, headers: HttpAnswer["headers"] = {}): HttpAnswer => ({
    status: 200,
    headers,
    body: Buffer.from(typeof body === "string" ? body : JSON.stringify(body)),
  });
  const invalid = (answer: HttpAnswer) => {
    const result = classifyAnswer(answer, context);
    if (result.ok) throw new Error("expected a failure");
    const error = failureToError(result.failed, context, 1, false);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(isRetryable(result.failed)).toBe(false);
    return error.message;
  };

  it("accepts a valid deployment", () => {
    expect(classifyAnswer(ok(deploymentFixture("dep-1")), context)).toMatchObject({ ok: true });
  });

  it.each(["gzip", "br", "deflate, gzip"])("names Content-Encoding %s", (encoding) => {
    expect(invalid(ok(deploymentFixture("dep-1"), { "content-encoding": encoding }))).toContain(
      `(Content-Encoding: ${encoding})`,
    );
  });

  it("refuses invalid UTF-8 rather than reading U+FFFD", () => {
    const body = Buffer.from(
      JSON.stringify(deploymentFixture("dep-1")).replace("llama", "ll\u0000ma"),
    );
    body[body.indexOf(0)] = 0xc3; // a lead byte without its continuation byte
    expect(invalid({ status: 200, headers: {}, body })).toContain("the body is not valid UTF-8");
  });

  it("refuses a body that echoes the token, wherever it is", () => {
    const body = deploymentFixture("dep-1");
    body.deployment!.status!.conditions![0].message = `token ${SECRET} rejected`;
    const message = invalid(ok(body));
    expect(message).toContain("deployment.status.conditions[0].message contains the API token");
    expect(message).not.toContain(SECRET);
    expect(message).not.toContain("rejected");
  });

  it("still judges error pages by status, whatever their encoding", () => {
    const result = classifyAnswer(
      {
        status: 503,
        headers: { "content-encoding": "gzip" },
        body: Buffer.from([0x1f, 0x8b, 0xff]),
      },
      context,
    );
    expect(result).toMatchObject({ ok: false, failed: { type: "http", status: 503 } });
  });
});

describe("findSecret", () => {
  it("returns the path of the first string or key holding the secret, keys redacted", () => {
    expect(findSecret({ a: [1, { b: `x${SECRET}` }] }, SECRET)).toBe("a[1].b");
    expect(findSecret({ a: { [`k-${SECRET}`]: 1 } }, SECRET)).toBe('a["k-[REDACTED]"]');
    expect(findSecret(SECRET, SECRET)).toBe("(response body)");
    expect(findSecret({ a: SECRET.slice(1) }, SECRET)).toBeUndefined();
    // The first in document order.
    expect(findSecret({ a: { b: SECRET }, [SECRET]: 1, c: SECRET }, SECRET)).toBe("a.b");
  });

  it("survives a deeply nested body without overflowing the stack", () => {
    let deep: unknown = SECRET;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findSecret(deep, SECRET)).toMatch(/^\[0\]\[0\]/);
  });

  it("is not applied for tokens too short to be real ones", () => {
    const short = { ...context, secret: "t" };
    expect(
      classifyAnswer(
        { status: 200, headers: {}, body: Buffer.from(JSON.stringify(deploymentFixture("dep-1"))) },
        short,
      ),
    ).toMatchObject({ ok: true });
  });
});
