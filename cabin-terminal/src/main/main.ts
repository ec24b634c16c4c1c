/**
 * The Electron main process: a thin shell. It keeps the data key under the OS keychain
 * (safeStorage), starts the terminal core in a utility process (SQLite never runs on the thread
 * that draws the window), registers one IPC handler per API method that forwards to it, and opens
 * the crew window with the settings of window.ts. Everything else is tested code.
 */
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { app, BrowserWindow, dialog, ipcMain, safeStorage, session, utilityProcess } from "electron";
import type { CoreProcessPort } from "../api/core-channel.js";
import { CONTENT_SECURITY_POLICY } from "../api/security.js";
import { AUTO_UPLOAD_EVERY_MS } from "../core/ground/policies.js";
import { encryptedFileKeyStore } from "../core/keys/key-store.js";
import { adoptKeyStore, dataKeyOf, sealedFileKeyStore } from "../core/keys/sealed.js";
import { SEALED_KEY_FILE } from "../core/process-files.js";
import { cabinConfigFromEnv } from "../core/sync/cabin-config.js";
import { connectCore } from "./core-client.js";
import { EVENT_CHANNEL, registerTerminalIpc } from "./ipc.js";
import { ALLOWED_PERMISSIONS, guardNavigation, windowOptions } from "./window.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const rendererIndex = join(here, "..", "renderer", "index.html");
const appUrl = pathToFileURL(rendererIndex).toString();

app.enableSandbox();
await app.whenReady();

const dataDir = join(app.getPath("userData"), "terminal");
const dataKey = dataKeyOf(join(dataDir, "data.key.enc"), safeStorage);
// Versions before the utility process kept the device key under the keychain itself: carried over once.
adoptKeyStore(
  encryptedFileKeyStore(join(dataDir, "device.key.enc"), safeStorage),
  sealedFileKeyStore(join(dataDir, SEALED_KEY_FILE), dataKey),
);

let window: BrowserWindow | undefined;
const child = utilityProcess.fork(join(here, "..", "core", "process.js"), [], { serviceName: "CabinPay terminal core", stdio: "inherit" });
const port: CoreProcessPort = {
  postMessage: (message) => child.postMessage(message),
  onMessage: (listener) => child.on("message", listener),
  onExit: (listener) => child.on("exit", (code) => listener(`exit code ${code}`)),
};
// Cabin sync with the other trolleys, when the environment says where (docs/terminal.md).
let cabin: ReturnType<typeof cabinConfigFromEnv>;
try {
  cabin = cabinConfigFromEnv(process.env);
} catch (error) {
  dialog.showErrorBox("CabinPay terminal", error instanceof Error ? error.message : String(error));
  app.exit(1);
  throw error;
}
const core = await connectCore(
  port,
  {
    dataDir,
    dataKeyHex: Buffer.from(dataKey).toString("hex"),
    autoUploadEveryMs: AUTO_UPLOAD_EVERY_MS,
    ...(cabin === undefined ? {} : { cabin }),
  },
  (event) => window?.webContents.send(EVENT_CHANNEL, event),
).catch((error: Error) => {
  dialog.showErrorBox("CabinPay terminal", error.message);
  app.exit(1);
  throw error;
});
registerTerminalIpc(ipcMain, core.api);

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
