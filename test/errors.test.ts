import {
  ApiConnectionError,
  ApiTimeoutError,
  ConfigurationError,
  CoreweaveApiError,
  type CoreweaveError,
  type CoreweaveErrorKind,
  DeploymentNotFoundError,
  deserializeError,
  InvalidArgumentError,
  InvalidDeploymentIdError,
  InvalidResponseError,
  PermissionDeniedError,
  ProtocolError,
  RateLimitedError,
  ResponseTooLargeError,
  WaitTimeoutError,
  DeploymentNotReadyError,
  DeploymentTerminalError,
  ServerError,
  TlsError,
  UnauthenticatedError,
  grpcCodeForHttpStatus,
} from "../src/api/errors";
import { summarizeRpcStatus } from "../src/api/failures";
import { errorFromHttpStatus } from "../src/api/messages";
import { redactSecret, sanitizeText } from "../src/api/text";

describe("redaction and sanitising", () => {
  it("replaces every occurrence of the secret", () => {
    expect(redactSecret("a SECRET b SECRET", "SECRET")).toBe("a [REDACTED] b [REDACTED]");
    expect(redactSecret("nothing here", "")).toBe("nothing here");
  });

  it("strips control characters and bounds length", () => {
    expect(sanitizeText("a\u001b[31mb\r\nc")).toBe("a [31mb c");
    expect(sanitizeText("x".repeat(400))).toBe(`${"x".repeat(300)}…`);
  });

  it("strips bidi controls, line separators and zero-width characters too", () => {
    expect(sanitizeText("ok\u202Egnp.exe")).toBe("ok gnp.exe");
    expect(sanitizeText("line1\u2028line2\u2029end")).toBe("line1 line2 end");
    expect(sanitizeText("a\u200Bb\uFEFFc\u2066d\u061Ce")).toBe("a b c d e");
  });

  it("redacts API text before cutting it, so no fragment of the secret survives", () => {
    const secret = "tok-0123456789abcdef";
    const body = { code: 7, message: `${"m".repeat(290)}${secret}` };
    const summary = summarizeRpcStatus(body, (text) => redactSecret(text, secret));
    expect(summary.apiMessage).not.toContain(secret.slice(0, 6));
    // Without the callback the cut would have kept a fragment: the order matters.
    expect(summarizeRpcStatus(body).apiMessage).toContain(secret.slice(0, 6));
  });
});

describe("non-2xx answers: google.rpc.Status, and the error built from the status", () => {
  it("reads code, message, field violations and RetryInfo", () => {
    expect(
      summarizeRpcStatus({
        code: 3,
        message: "bad request",
        details: [
          {
            "@type": "type.googleapis.com/google.rpc.BadRequest",
            fieldViolations: [{ field: "id", description: "must be a UUID" }],
          },
          { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "ID_FORMAT" },
          { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "1.5s" },
        ],
      }),
    ).toEqual({
      grpcCode: "INVALID_ARGUMENT",
      apiMessage: "bad request",
      details: ["id: must be a UUID", "reason ID_FORMAT"],
      retryDelayMs: 1500,
    });
  });

  it("ignores bodies that are not a Status", () => {
    for (const body of [undefined, "text", [1], { code: "x", message: 5, details: "no" }]) {
      expect(summarizeRpcStatus(body)).toEqual({ details: [] });
    }
  });

  it("maps HTTP statuses to gRPC code names when the body has none", () => {
    expect(grpcCodeForHttpStatus(404)).toBe("NOT_FOUND");
    expect(grpcCodeForHttpStatus(502)).toBe("INTERNAL");
    expect(grpcCodeForHttpStatus(418)).toBe("UNKNOWN");
  });

  it("builds one message with ID, HTTP status, code name, API message and advice", () => {
    const error = errorFromHttpStatus(503, { apiMessage: "overloaded", details: [] }, "dep-9", 5);
    expect(error).toBeInstanceOf(ServerError);
    expect(error.message).toBe(
      'CoreWeave GET deployment "dep-9" failed: HTTP 503 UNAVAILABLE: overloaded. ' +
        "The API failed on its side. Gave up after 5 attempts. Retry later.",
    );
  });

  it("survives the trip through toJSON and back, as the same class", () => {
    const original = errorFromHttpStatus(404, { details: [] }, "dep-1", 1);
    const copy = deserializeError(JSON.parse(JSON.stringify(original)));
    expect(copy).toBeInstanceOf(DeploymentNotFoundError);
    expect(copy.toJSON()).toEqual(original.toJSON());
  });

  it("names a redirect's Location, and says it was not followed", () => {
    const error = errorFromHttpStatus(302, { details: [] }, "dep-1", 1, {
      location: "https://elsewhere.example/v1",
    });
    expect(error).toBeInstanceOf(CoreweaveApiError);
    expect(error.message).toContain('redirect to "https://elsewhere.example/v1"');
    expect(error.message).toMatch(/not followed/);
    expect(errorFromHttpStatus(301, { details: [] }, "dep-1", 1).message).toContain(
      "redirect without a Location",
    );
  });
});

describe("the kind table", () => {
  const every: Record<CoreweaveErrorKind, new (message: string) => CoreweaveError> = {
    configuration: ConfigurationError,
    invalid_deployment_id: InvalidDeploymentIdError,
    not_found: DeploymentNotFoundError,
    unauthenticated: UnauthenticatedError,
    permission_denied: PermissionDeniedError,
    invalid_argument: InvalidArgumentError,
    rate_limited: RateLimitedError,
    server_error: ServerError,
    api_error: CoreweaveApiError,
    timeout: ApiTimeoutError,
    connection: ApiConnectionError,
    tls: TlsError,
    protocol: ProtocolError,
    invalid_response: InvalidResponseError,
    response_too_large: ResponseTooLargeError,
    wait_timeout: WaitTimeoutError,
    terminal: DeploymentTerminalError,
    not_ready: DeploymentNotReadyError,
  };

  it.each(Object.entries(every))("rebuilds kind %s as its own class", (kind, ErrorClass) => {
    const original = new ErrorClass("why");
    expect(original.kind).toBe(kind);
    const copy = deserializeError(JSON.parse(JSON.stringify(original)));
    expect(copy.constructor).toBe(ErrorClass);
    expect(copy.toJSON()).toEqual(original.toJSON());
  });

  it("keeps TLS and protocol failures catchable as connection errors", () => {
    expect(new TlsError("x")).toBeInstanceOf(ApiConnectionError);
    expect(new ProtocolError("x")).toBeInstanceOf(ApiConnectionError);
    expect(new TlsError("x").name).toBe("TlsError");
  });
});
