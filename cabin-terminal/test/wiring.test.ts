/**
 * The Electron wiring, checked from the code: every TerminalApi method has exactly one preload
 * entry and exactly one IPC handler in main, the window holds its security settings, and the
 * renderer takes nothing from the core but types.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { TERMINAL_API_METHODS } from "../src/api/contract.js";
import { parseIpcError } from "../src/api/fault.js";
import { createTerminalCore } from "../src/core/api.js";
import { IPC_PREFIX, registerTerminalIpc } from "../src/main/ipc.js";
import { ALLOWED_PERMISSIONS, guardNavigation, windowOptions } from "../src/main/window.js";
import { tempDir } from "./support/fixtures.js";

const src = fileURLToPath(new URL("../src/", import.meta.url));

describe("the Electron wiring", () => {
  it("has one preload entry per API method, each calling main's handler of the same name", () => {
    const preload = readFileSync(join(src, "preload", "preload.cts"), "utf8");
    const entries = [...preload.matchAll(/^\s*"([a-z]+\/[a-z-]+)": \(input\) => invoke\("([a-z]+\/[a-z-]+)", input\),$/gm)];
    expect(entries.map((m) => m[1]).sort()).toEqual([...TERMINAL_API_METHODS].sort());
    for (const [, name, channel] of entries) expect(channel).toBe(name);
    expect(preload).toContain("ipcRenderer.invoke(`cabinpay:");
    expect(preload).toContain("} satisfies TerminalApi;");
    expect(preload).toContain('contextBridge.exposeInMainWorld("cabinpay", bridge)');
  });

  it("registers exactly one IPC handler per API method, which validates through the core and keeps the error code", async () => {
    const handlers = new Map<string, (event: unknown, input: unknown) => Promise<unknown>>();
    const ipcMain = {
      handle(channel: string, listener: (event: unknown, input: unknown) => Promise<unknown>) {
        expect(handlers.has(channel), channel).toBe(false);
        handlers.set(channel, listener);
      },
    };
    const core = createTerminalCore({ dataDir: tempDir() });
    registerTerminalIpc(ipcMain, core);
    expect([...handlers.keys()].sort()).toEqual(TERMINAL_API_METHODS.map((m) => `${IPC_PREFIX}${m}`).sort());
    expect(await handlers.get(`${IPC_PREFIX}status/get`)!({}, {})).toMatchObject({ enrolled: false });
    // What the renderer gets: Electron wraps the message; the code is still found in it.
    const rendererSees = async (channel: string, input: unknown) => {
      try {
        await handlers.get(`${IPC_PREFIX}${channel}`)!({}, input);
      } catch (error) {
        return parseIpcError(`Error invoking remote method '${IPC_PREFIX}${channel}': Error: ${(error as Error).message}`);
      }
      throw new Error(`${channel} did not fail`);
    };
    expect(await rendererSees("cart/add", { sku: 7 })).toMatchObject({
      code: "invalid_input",
      message: expect.stringContaining("cart/add"),
    });
    expect((await rendererSees("catalog/list", {})).code).toBe("no_flight_loaded");
    core.close();
    const main = readFileSync(join(src, "main", "main.ts"), "utf8");
    expect(main).toContain("registerTerminalIpc(ipcMain, core.api)"); // the core's process, through its client
    expect(main.match(/ipcMain\.handle/g)).toBeNull(); // no handler written by hand
  });

  it("opens the window isolated, sandboxed, without Node, and keeps it on the app", () => {
    const options = windowOptions("/app/preload.cjs");
    expect(options.webPreferences).toMatchObject({
      preload: "/app/preload.cjs",
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect([...ALLOWED_PERMISSIONS]).toEqual(["media"]);
    const listeners = new Map<string, (event: { preventDefault(): void }, url: string) => void>();
    let openHandler: (() => { action: string }) | undefined;
    guardNavigation(
      {
        on: ((name: string, listener: (event: { preventDefault(): void }, url: string) => void) => {
          listeners.set(name, listener);
        }) as never,
        setWindowOpenHandler: ((handler: () => { action: string }) => {
          openHandler = handler;
        }) as never,
      },
      "file:///app/renderer/index.html",
    );
    expect(openHandler!()).toEqual({ action: "deny" });
    let prevented = 0;
    const event = { preventDefault: () => void prevented++ };
    listeners.get("will-navigate")!(event, "https://evil.example/");
    listeners.get("will-navigate")!(event, "file:///app/renderer/index.html");
    expect(prevented).toBe(1);
    const main = readFileSync(join(src, "main", "main.ts"), "utf8");
    expect(main).toContain("guardNavigation(window.webContents, appUrl)");
    expect(main).toContain("new BrowserWindow(windowOptions(");
    expect(main).toContain("app.enableSandbox()");
  });

  it("gives the renderer nothing from the core but types", () => {
    const files = readdirSync(join(src, "renderer"), { recursive: true, encoding: "utf8" }).filter((f) => /\.tsx?$/.test(f));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const text = readFileSync(join(src, "renderer", file), "utf8");
      for (const [statement] of text.matchAll(/^import [^;]*from "[^"]*\/core\/[^"]*";$/gm)) {
        expect(statement, `${file}: ${statement}`).toMatch(/^import type /);
      }
      expect(text, file).not.toMatch(/from "node:/);
    }
  });
});
