/** The browser host's boundary: loopback, its token, its Host, its limits, and errors with stable codes. */
import { mkdirSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTerminalCore } from "../src/core/api.js";
import { type BrowserHost, HOST_BODY_BYTES_MAX, HOST_TOKEN_HEADER, startBrowserHost } from "../src/host/server.js";
import { tempDir } from "./support/fixtures.js";

describe("the browser host", () => {
  let core: ReturnType<typeof createTerminalCore>;
  let host: BrowserHost;
  let token: string;
  const rendererDir = join(tempDir(), "renderer");

  beforeAll(async () => {
    mkdirSync(join(rendererDir, "assets"), { recursive: true });
    writeFileSync(join(rendererDir, "index.html"), '<meta name="cabinpay-host-token" content="%CABINPAY_HOST_TOKEN%">');
    writeFileSync(join(rendererDir, "assets", "app.js"), "console.log('crew UI')");
    writeFileSync(join(tempDir(), "secret.txt"), "not for the page");
    core = createTerminalCore({ dataDir: tempDir() });
    host = await startBrowserHost({ api: core, rendererDir, events: { subscribe: () => () => undefined } });
    const page = await fetch(host.url);
    token = /content="([^"]+)"/.exec(await page.text())![1]!;
  });
  afterAll(async () => {
    await host.close();
    core.close();
  });

  const api = (method: string, body: unknown, headers: Record<string, string> = { [HOST_TOKEN_HEADER]: token }) =>
    fetch(`${host.url}/api/${method}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });

  it("serves the page with its token, a strict CSP, and only files inside the renderer folder", async () => {
    const page = await fetch(host.url);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect((await fetch(`${host.url}/assets/app.js`)).headers.get("content-type")).toContain("text/javascript");
    for (const path of ["/../secret.txt", "/%2e%2e/secret.txt", "/assets/../../secret.txt", "/missing.js"]) {
      expect((await fetch(`${host.url}${path}`)).status, path).toBe(404);
    }
  });

  it("answers a malformed % escape with 400, not a host failure", async () => {
    for (const path of ["/%", "/%zz", "/assets/%E0%A4%A", "/%C0%AF"]) {
      const response = await fetch(`${host.url}${path}`);
      expect([response.status, ((await response.json()) as { code: string }).code], path).toEqual([400, "bad_path"]);
    }
    expect((await fetch(host.url)).status).toBe(200);
  });

  it("answers API calls with the token, and refuses them without it", async () => {
    const status = await api("status/get", {});
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({ ok: true, value: { enrolled: false, unsentRecords: 0 } });
    expect((await api("status/get", {}, {})).status).toBe(403);
    expect((await api("status/get", {}, { [HOST_TOKEN_HEADER]: `${token.slice(1)}x` })).status).toBe(403);
  });

  it("refuses another Host name (DNS rebinding)", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(host.url);
      request({ host: url.hostname, port: url.port, path: "/", headers: { host: `evil.example:${url.port}` } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      })
        .on("error", reject)
        .end();
    });
    expect(status).toBe(421);
  });

  const answer = async (response: Response) => [response.status, ((await response.json()) as { code?: string }).code];

  it("gives bad input a clear error with a stable code, and changes nothing", async () => {
    expect(await (await api("nothing/here", {})).json()).toMatchObject({ ok: false, code: "not_found" });
    const badJson = await fetch(`${host.url}/api/status/get`, { method: "POST", headers: { [HOST_TOKEN_HEADER]: token }, body: "{" });
    expect(await answer(badJson)).toEqual([400, "invalid_input"]);
    const wrongType = await api("cart/add", { sku: 42 });
    expect(await answer(wrongType)).toEqual([400, "invalid_input"]);
    const noFlight = await api("catalog/list", {});
    expect(await answer(noFlight)).toEqual([409, "no_flight_loaded"]);
    const huge = await api("manifest/import", { manifestBase64: "A".repeat(HOST_BODY_BYTES_MAX), trolleyId: "A" });
    expect(await answer(huge)).toEqual([413, "too_large"]);
    expect(await (await api("status/get", {})).json()).toEqual({
      ok: true,
      value: { enrolled: false, unsentRecords: 0, unsentByFlight: [] },
    });
  });
});
