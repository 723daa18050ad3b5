import { once } from "node:events";
import { type AddressInfo, createServer } from "node:net";

/** A loopback URL where nothing listens: a port just freed, so connecting is refused at once. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, "close");
  return `http://127.0.0.1:${port}`;
}
