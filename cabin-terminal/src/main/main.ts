/**
 * The Electron main process: a thin shell. It owns the terminal core and its database, keeps the
 * device key in the OS keychain (safeStorage), registers one IPC handler per API method, and
 * opens the crew window with the settings of window.ts. Everything else is tested code.
 */
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { app, BrowserWindow, ipcMain, safeStorage, session } from "electron";
import { CONTENT_SECURITY_POLICY } from "../api/security.js";
import { createTerminalCore } from "../core/api.js";
import { AUTO_UPLOAD_EVERY_MS } from "../core/ground/auto-upload.js";
import { encryptedFileKeyStore } from "../core/keys/key-store.js";
import { EVENT_CHANNEL, registerTerminalIpc } from "./ipc.js";
import { ALLOWED_PERMISSIONS, guardNavigation, windowOptions } from "./window.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const rendererIndex = join(here, "..", "renderer", "index.html");
const appUrl = pathToFileURL(rendererIndex).toString();

app.enableSandbox();
await app.whenReady();

const dataDir = join(app.getPath("userData"), "terminal");
let window: BrowserWindow | undefined;
const core = createTerminalCore({
  dataDir,
  keyStore: encryptedFileKeyStore(join(dataDir, "device.key.enc"), safeStorage),
  onUploadProgress: (progress) => window?.webContents.send(EVENT_CHANNEL, { type: "sync/progress", ...progress }),
  autoUploadEveryMs: AUTO_UPLOAD_EVERY_MS,
  onStatusChanged: () => window?.webContents.send(EVENT_CHANNEL, { type: "status/changed" }),
});
registerTerminalIpc(ipcMain, core);

session.defaultSession.setPermissionRequestHandler((_contents, permission, grant) => grant(ALLOWED_PERMISSIONS.has(permission)));
session.defaultSession.webRequest.onHeadersReceived((details, respond) =>
  respond({ responseHeaders: { ...details.responseHeaders, "Content-Security-Policy": [CONTENT_SECURITY_POLICY] } }),
);

window = new BrowserWindow(windowOptions(join(here, "..", "preload", "preload.cjs")));
guardNavigation(window.webContents, appUrl);
window.once("ready-to-show", () => window?.show());
await window.loadURL(appUrl);

app.on("window-all-closed", () => {
  core.close();
  app.quit();
});
