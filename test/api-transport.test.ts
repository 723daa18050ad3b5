/**
 * The client against real, misbehaving servers on 127.0.0.1: TLS that fails verification,
 * answers that are not HTTP, redirects, compressed or non-UTF-8 bodies. Failures that cannot get
 * better are reported once, as what they are.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type RequestListener } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createNetServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import {
  CoreweaveInferenceClient,
  type CoreweaveClientOptions,
} from "../src/api/coreweave-inference-client";
import {
  ApiConnectionError,
  CoreweaveApiError,
  InvalidResponseError,
  ProtocolError,
  TlsError,
} from "../src/api/errors";
import { deploymentFixture } from "../src/testing/fixtures";
import { rejection } from "./support/failures";

const TOKEN = "cw-transport-token-5d1e8b7a";
const ID = "dep-1";
const ROOT = join(__dirname, "..");

const clients: CoreweaveInferenceClient[] = [];
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map(closeServer));
});

/** A client that would retry 4 times, quickly: so a single attempt means "not retried". */
function client(endpoint: string, options: CoreweaveClientOptions = {}): CoreweaveInferenceClient {
  const c = new CoreweaveInferenceClient({
    endpoint,
    apiToken: TOKEN,
    env: {},
    retry: { initialDelayMs: 5, maxDelayMs: 10 },
    ...options,
  });
  clients.push(c);
  return c;
}

const validBody = () => JSON.stringify(deploymentFixture(ID));

interface Listening {
  readonly url: string;
  /** TCP connections accepted. */
  readonly connections: () => number;
  /** HTTP requests received (http/https servers), or connections that sent bytes (raw). */
  readonly requests: () => number;
}

async function listen(server: Server, scheme: "http" | "https"): Promise<Listening> {
  let connections = 0;
  let requests = 0;
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("request", () => (requests += 1));
  server.on("tlsClientError", () => undefined);
  (server as Server & { destroyAll?: () => void }).destroyAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  const { port } = server.address() as { port: number };
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    connections: () => connections,
    requests: () => requests,
  };
}

function closeServer(server: Server): Promise<void> {
  (server as Server & { destroyAll?: () => void }).destroyAll?.();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A raw TCP server that writes `answer` once the request arrives, then closes. */
async function rawServer(answer: string | Buffer): Promise<Listening> {
  let requests = 0;
  const server = createNetServer((socket) => {
    socket.once("data", () => {
      requests += 1;
      socket.end(answer);
    });
  });
  const listening = await listen(server, "http");
  return { ...listening, requests: () => requests };
}

function httpServer(handler: RequestListener): Promise<Listening> {
  return listen(createHttpServer(handler), "http");
}

// ---------------------------------------------------------------------------------------------

describe("TLS verification failures", () => {
  let dir: string;
  const file = (name: string) => join(dir, name);
  const pem = (name: string) => readFileSync(file(name));

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "cw-tls-"));
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
    // A self-signed certificate for 127.0.0.1.
    openssl("req", "-x509", ...ec, "-keyout", file("self.key"), "-out", file("self.pem"), "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"); // prettier-ignore
    // A private CA, and two leaves it signs: one for 127.0.0.1, one for another name.
    openssl("req", "-x509", ...ec, "-keyout", file("ca.key"), "-out", file("ca.pem"), "-days", "2", "-subj", "/CN=Private Test CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"); // prettier-ignore
    for (const [leaf, san] of [
      ["leaf", "IP:127.0.0.1"],
      ["other", "DNS:api.example.com"],
    ]) {
      writeFileSync(file(`${leaf}.ext`), `subjectAltName=${san}\n`);
      openssl("req", ...ec, "-keyout", file(`${leaf}.key`), "-out", file(`${leaf}.csr`), "-subj", `/CN=${leaf}`); // prettier-ignore
      openssl("x509", "-req", "-in", file(`${leaf}.csr`), "-CA", file("ca.pem"), "-CAkey", file("ca.key"), "-set_serial", String(Date.now()), "-out", file(`${leaf}.pem`), "-days", "2", "-extfile", file(`${leaf}.ext`)); // prettier-ignore
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** An https server that serves the deployment, with the given certificate. */
  function httpsServer(name: string): Promise<Listening> {
    const server = createHttpsServer(
      { key: pem(`${name}.key`), cert: pem(`${name}.pem`) },
      (_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(validBody());
      },
    );
    return listen(server, "https");
  }

  function expectTlsFailure(error: Error & Record<string, unknown>, code: string): void {
    expect(error).toBeInstanceOf(TlsError);
    expect(error).toBeInstanceOf(ApiConnectionError);
    expect(error).toMatchObject({ kind: "tls", attempts: 1, deploymentId: ID });
    expect(error.message).toContain(
      `deployment "${ID}": the TLS handshake with https://127.0.0.1:`,
    );
    expect(error.message).toContain(`failed, so the request was not sent: ${code}`);
    expect(error.message).toMatch(/\(1 attempt; not retried/);
    expect(error.message).toContain("NODE_EXTRA_CA_CERTS");
    expect(error.message).not.toContain(TOKEN);
  }

  it("reports a self-signed certificate once, with NODE_EXTRA_CA_CERTS advice", async () => {
    const server = await httpsServer("self");
    const error = await rejection(client(server.url).getDeployment(ID));
    expectTlsFailure(error, "DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate");
    expect(error.message).toContain("The certificate check failed");
    expect(server.connections()).toBe(1);
    expect(server.requests()).toBe(0);
  });

  it("reports a certificate from a private CA once, with NODE_EXTRA_CA_CERTS advice", async () => {
    const server = await httpsServer("leaf");
    const error = await rejection(client(server.url).getDeployment(ID));
    expectTlsFailure(error, "UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    expect(error.message).toMatch(/not signed by a CA this machine trusts.*private CA/);
    expect(server.connections()).toBe(1);
  });

  it("reports https to a plain-HTTP port once, without OpenSSL's noise", async () => {
    const server = await rawServer("HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n");
    const error = await rejection(client(server.url.replace("http:", "https:")).getDeployment(ID));
    expectTlsFailure(error, "ERR_SSL_WRONG_VERSION_NUMBER: wrong version number");
    expect(error.message).not.toMatch(/ssl3_get_record|\.c:\d+/);
    expect(server.connections()).toBe(1);
  });

  it("is fixed by NODE_EXTRA_CA_CERTS, as advised; a name mismatch still fails once", async () => {
    const trusted = await httpsServer("leaf");
    const misnamed = await httpsServer("other");
    // NODE_EXTRA_CA_CERTS is read when Node starts: run the client in a child process.
    const script = `
      const { CoreweaveInferenceClient } = require(${JSON.stringify(join(ROOT, "src/api/coreweave-inference-client.ts"))});
      (async () => {
        const results = [];
        for (const endpoint of process.argv.slice(1)) {
          const c = new CoreweaveInferenceClient({ endpoint, apiToken: "child-token-0a9f3c", env: {}, retry: { initialDelayMs: 5 } });
          try {
            results.push({ ok: (await c.getDeployment(${JSON.stringify(ID)})).spec.id });
          } catch (error) {
            results.push(error.toJSON());
          }
          await c.close();
        }
        console.log(JSON.stringify(results));
      })();`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["-r", "tsx/cjs", "-e", script, trusted.url, misnamed.url],
      { cwd: ROOT, env: { ...process.env, NODE_EXTRA_CA_CERTS: file("ca.pem") } },
    );
    const [withCa, mismatch] = JSON.parse(stdout) as Record<string, unknown>[];
    expect(withCa).toEqual({ ok: ID });
    expect(mismatch).toMatchObject({ kind: "tls", name: "TlsError", attempts: 1 });
    expect(mismatch.message).toContain("ERR_TLS_CERT_ALTNAME_INVALID");
    expect(mismatch.message).toMatch(/not issued for this host.*NODE_EXTRA_CA_CERTS/);
    expect(misnamed.connections()).toBe(1);
  });
});

describe("answers that are not HTTP", () => {
  it.each([
    ["a garbage status line", "garbage\r\n\r\n", /Response does not match the HTTP\/1\.1 protocol/],
    ["an invalid status code", "HTTP/1.1 OK\r\n\r\n", /Invalid status code/],
    [
      "headers over the size limit",
      `HTTP/1.1 200 OK\r\nx-big: ${"a".repeat(70_000)}\r\n\r\n`,
      /UND_ERR_HEADERS_OVERFLOW/,
    ],
  ])("reports %s once, as a ProtocolError", async (_what, answer, detail) => {
    const server = await rawServer(answer);
    const error = await rejection(client(server.url).getDeployment(ID));
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error).toMatchObject({ kind: "protocol", attempts: 1, deploymentId: ID });
    expect(error.message).toContain(
      `deployment "${ID}": ${server.url} was reached but answered with something that is not valid HTTP`,
    );
    expect(error.message).toMatch(detail);
    expect(error.message).toMatch(/\(1 attempt; not retried\)/);
    expect(error.message).not.toContain("garbage");
    expect(server.requests()).toBe(1);
  });

  it("still retries a server that closes the connection without answering", async () => {
    const server = await rawServer("");
    const error = await rejection(client(server.url, { maxRetries: 2 }).getDeployment(ID));
    expect(error.constructor).toBe(ApiConnectionError);
    expect(error.message).toMatch(/UND_ERR_SOCKET.*\(3 attempts\)/);
    expect(server.requests()).toBe(3);
  });
});

describe("HTTP answers the client refuses", () => {
  it("names a redirect's Location (cleaned, bounded, token redacted) and does not follow it", async () => {
    const target = await httpServer((_req, res) => res.end(validBody()));
    const location =
      `${target.url}/v1alpha1/inference/deployments/${ID}?t=${TOKEN}\u009b[31m` + "x".repeat(400);
    const server = await httpServer((_req, res) => {
      // Header values are bytes; 0x9B is the C1 control CSI, which starts a terminal escape.
      res.writeHead(302, { location });
      res.end();
    });
    const error = await rejection(client(server.url).getDeployment(ID));
    expect(error.constructor).toBe(CoreweaveApiError);
    expect(error).toMatchObject({ httpStatus: 302, attempts: 1 });
    expect(error.message).toContain(
      `HTTP 302 UNKNOWN. The endpoint answered with a redirect to "${target.url}/v1alpha1/inference/deployments/${ID}?t=[REDACTED] [31mxxx`,
    );
    expect(error.message).toMatch(/x…", which is not followed/);
    expect(error.message).not.toContain(TOKEN);
    expect(error.message).not.toContain("x".repeat(200));
    expect(error.message).not.toMatch(/[\u0080-\u009f]/);
    expect(server.requests()).toBe(1);
    expect(target.requests()).toBe(0);
  });

  it("asks for identity encoding, and names an unexpected Content-Encoding", async () => {
    const seen: (string | undefined)[] = [];
    const server = await httpServer((req, res) => {
      seen.push(req.headers["accept-encoding"]);
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      res.end(gzipSync(validBody()));
    });
    const error = await rejection(client(server.url).getDeployment(ID));
    expect(seen).toEqual(["identity"]);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error).toMatchObject({ attempts: 1, httpStatus: 200 });
    expect(error.message).toContain(
      "invalid body: it is compressed (Content-Encoding: gzip) although the request asked for Accept-Encoding: identity",
    );
    expect(error.message).not.toMatch(/API changed/);
  });

  it("accepts an explicit identity Content-Encoding", async () => {
    const server = await httpServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "Identity" });
      res.end(validBody());
    });
    await expect(client(server.url).getDeployment(ID)).resolves.toMatchObject({
      spec: { id: ID },
    });
  });

  it("decodes bodies strictly as UTF-8", async () => {
    const [before, after] = validBody().split("llama-3-1-70b-instruct");
    const server = await httpServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        Buffer.concat([
          Buffer.from(`${before}llama`),
          Buffer.from([0xff, 0xfe]),
          Buffer.from(after),
        ]),
      );
    });
    const error = await rejection(client(server.url).getDeployment(ID));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toContain("invalid body: the body is not valid UTF-8");
    expect(server.requests()).toBe(1);
  });

  it("sends a User-Agent with the package version", async () => {
    const seen: (string | undefined)[] = [];
    const server = await httpServer((req, res) => {
      seen.push(req.headers["user-agent"]);
      res.end(validBody());
    });
    await client(server.url).getDeployment(ID);
    const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      version: string;
    };
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    expect(seen).toEqual([`cdktf-coreweave-inference/${version}`]);
  });
});
