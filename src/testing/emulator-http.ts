/**
 * HTTP plumbing of the emulator, kept apart from what it serves: reading and writing bodies
 * (with backpressure, and giving up quietly when the client goes away), the bearer-token check,
 * and `google.rpc.Status` error bodies as the real API sends them.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { GRPC_CODE_NAMES, grpcCodeForHttpStatus, type GrpcCodeName } from "../api/errors";
import type { AuthState, StatusFault } from "./emulator-types";
import { EmulatorInputError } from "./emulator-validation";

/** Largest request body the control API reads. */
const MAX_CONTROL_BODY_BYTES = 5 * 1024 * 1024;

const ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo";
export const RESOURCE_INFO = "type.googleapis.com/google.rpc.ResourceInfo";

/** The number of a `google.rpc.Code`. */
const grpcCode = (name: GrpcCodeName): number => GRPC_CODE_NAMES.indexOf(name);

/** How the `Authorization` header compares with the accepted token (never records the token). */
export function authState(header: string | undefined, token: string): AuthState {
  if (header === undefined || header.trim() === "") return "missing";
  const match = /^Bearer +(\S+) *$/i.exec(header);
  return match !== null && match[1] === token ? "ok" : "invalid";
}

/** A percent-decoded path segment, or `undefined` when its encoding is broken. */
export function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/**
 * A `google.rpc.Status` body; `code` is a name, or a number from a status fault. Without
 * `details`, a `google.rpc.ErrorInfo` naming the code is sent, as CoreWeave does.
 */
export function grpcStatus(
  code: GrpcCodeName | number,
  message: string,
  details?: readonly unknown[],
): string {
  const number = typeof code === "number" ? code : grpcCode(code);
  return JSON.stringify({
    code: number,
    message,
    details: details ?? [
      {
        "@type": ERROR_INFO,
        reason: GRPC_CODE_NAMES[number] ?? "UNKNOWN",
        domain: "coreweave.com",
      },
    ],
  });
}

/** The body of a `status` fault: its own code and message, else ones derived from the status. */
export function statusFaultBody(fault: StatusFault): string {
  const code = fault.grpcCode ?? grpcCode(grpcCodeForHttpStatus(fault.httpStatus));
  const name = GRPC_CODE_NAMES[code] ?? `code ${code}`;
  return grpcStatus(code, fault.message ?? `emulated fault: ${name}`, fault.details);
}

/** The `google.rpc.Code` of a control API error: its HTTP status, mapped as the API does. */
export function controlErrorCode(httpStatus: number): GrpcCodeName {
  // The canonical HTTP mapping has no entry for these two.
  if (httpStatus === 405) return "UNIMPLEMENTED";
  if (httpStatus === 413) return "INVALID_ARGUMENT";
  return grpcCodeForHttpStatus(httpStatus);
}

/** Sends the status line and headers: JSON unless `headers` say otherwise; chunked without a length. */
export function writeHead(
  res: ServerResponse,
  status: number,
  contentLength: number | undefined,
  headers: OutgoingHttpHeaders = {},
): void {
  res.writeHead(status, {
    "content-type": "application/json",
    ...(contentLength === undefined ? {} : { "content-length": contentLength }),
    ...headers,
  });
}

/** Sends a whole answer at once. */
export function writeBody(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  headers?: OutgoingHttpHeaders,
): void {
  writeHead(res, status, Buffer.byteLength(body), headers);
  res.end(body);
}

/**
 * Resolves true after `until` milliseconds, or once the response drains (`"drain"`); resolves
 * false instead as soon as the connection closes, so a delayed answer is never written to a
 * client that already gave up.
 */
export function waitOrClose(res: ServerResponse, until: number | "drain"): Promise<boolean> {
  return new Promise((resolve) => {
    if (res.destroyed) {
      resolve(false);
      return;
    }
    const finish = (ok: boolean) => (): void => {
      clearTimeout(timer);
      res.off("drain", onReady);
      res.off("close", onClose);
      resolve(ok);
    };
    const onReady = finish(true);
    const onClose = finish(false);
    const timer = until === "drain" ? undefined : setTimeout(onReady, until);
    if (until === "drain") res.once("drain", onReady);
    res.once("close", onClose);
  });
}

/** Writes `parts` honouring backpressure; gives up quietly if the connection closes. */
export async function streamBody(res: ServerResponse, parts: Iterable<string>): Promise<void> {
  for (const part of parts) {
    if (res.destroyed) return;
    if (!res.write(part) && !(await waitOrClose(res, "drain"))) return;
  }
  res.end();
}

const PADDING_CHUNK = "x".repeat(64 * 1024);

/** `length` bytes of `x`, in chunks, so a huge body is never held in memory at once. */
export function* paddingChunks(length: number): Generator<string> {
  for (let left = length; left > 0; left -= PADDING_CHUNK.length) {
    yield left >= PADDING_CHUNK.length ? PADDING_CHUNK : PADDING_CHUNK.slice(0, left);
  }
}

/** Throws a 405 {@link EmulatorInputError} unless the request uses one of `allowed`. */
export function expectMethod(
  req: IncomingMessage,
  allowed: readonly string[],
  pathname: string,
): void {
  if (!allowed.includes(req.method ?? "")) {
    throw new EmulatorInputError(`${pathname} accepts ${allowed.join(" or ")} only`, 405);
  }
}

/** Reads a control API body as JSON, refusing more than {@link MAX_CONTROL_BODY_BYTES}. */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const tooLarge = (): EmulatorInputError =>
    new EmulatorInputError(`request body is larger than ${MAX_CONTROL_BODY_BYTES} bytes`, 413);
  if (Number(req.headers["content-length"]) > MAX_CONTROL_BODY_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_CONTROL_BODY_BYTES) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") throw new EmulatorInputError("request body is empty; expected JSON");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new EmulatorInputError(`request body is not valid JSON (${(error as Error).message})`);
  }
}
