import http from "node:http";
import type { AddressInfo } from "node:net";
import { createPoster } from "./post-event";
import { BlockedTargetError, checkAddress, checkUrl } from "./ssrf-guard";

const strict = { allowInsecure: false };
const dev = { allowInsecure: true };

test("private, loopback, link-local and metadata addresses are refused when not in development", () => {
  for (const address of ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fd00:ec2::254", "fe80::1", "::ffff:127.0.0.1", "::ffff:a9fe:a9fe"]) {
    expect(() => checkAddress(address, strict)).toThrow(BlockedTargetError);
  }
  for (const address of ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "8.8.8.8"]) expect(() => checkAddress(address, strict)).not.toThrow();
  // Development allows loopback only: private and metadata addresses stay refused.
  expect(() => checkAddress("127.0.0.1", dev)).not.toThrow();
  expect(() => checkAddress("::1", dev)).not.toThrow();
  expect(() => checkAddress("169.254.169.254", dev)).toThrow(BlockedTargetError);
  expect(() => checkAddress("10.0.0.1", dev)).toThrow(BlockedTargetError);
});

test("only https, unless in development", () => {
  expect(() => checkUrl("http://example.com/hook", strict)).toThrow(/https/);
  expect(() => checkUrl("ftp://example.com/hook", dev)).toThrow(/https/);
  expect(() => checkUrl("https://user:pw@example.com/", strict)).toThrow(/credentials/);
  expect(() => checkUrl("https://[::1]/x", strict)).toThrow(/forbidden/);
  expect(checkUrl("https://example.com/hook", strict).host).toBe("example.com");
});

test("a delivery to a loopback receiver is refused at connect time (name resolved then checked), and a redirect is not followed", async () => {
  let hits = 0;
  const server = http.createServer((_req, res) => {
    hits += 1;
    res.writeHead(307, { location: "http://169.254.169.254/latest/meta-data" }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const strictPoster = createPoster({ timeoutMs: 2000, policy: strict });
  // https to a name that resolves to loopback: refused before any byte is sent.
  expect(await strictPoster.post(`https://localhost:${port}/`, {}, "{}")).toMatchObject({ ok: false, error: "blocked_address", statusCode: null });
  expect(await strictPoster.post(`http://localhost:${port}/`, {}, "{}")).toMatchObject({ ok: false, error: "insecure_url" });
  expect(hits).toBe(0);
  const devPoster = createPoster({ timeoutMs: 2000, policy: dev });
  expect(await devPoster.post(`http://localhost:${port}/`, {}, "{}")).toMatchObject({ ok: false, statusCode: 307, error: "http_status" });
  expect(hits).toBe(1);
  strictPoster.close();
  devPoster.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
