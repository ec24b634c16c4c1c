/**
 * The core's own process (core process): Electron's main starts it as a utility process, so that
 * SQLite never runs on the thread that draws the crew's window (as Actual Budget does); a test
 * starts it as a Node child. The first message says where the data is and carries the data key;
 * then it answers calls (`serve.ts`) until told to close.
 */
import { join } from "node:path";
import type { CoreInit, CorePort } from "../api/core-channel.js";
import { createTerminalCore } from "./api.js";
import { faultOf } from "./errors.js";
import { sealedFileKeyStore } from "./keys/sealed.js";
import { SEALED_KEY_FILE } from "./process-files.js";
import { serveCore } from "./serve.js";

interface ElectronParentPort {
  on(event: "message", listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

function parentPort(): CorePort {
  const electron = (process as { parentPort?: ElectronParentPort }).parentPort;
  if (electron !== undefined)
    return { postMessage: (m) => electron.postMessage(m), onMessage: (l) => electron.on("message", (e) => l(e.data)) };
  const send = process.send?.bind(process);
  if (send === undefined)
    throw new Error("the core process is started by the app (Electron's utility process or a Node fork), not by hand");
  return { postMessage: (m) => send(m), onMessage: (l) => process.on("message", l) };
}

function isInit(message: unknown): message is CoreInit {
  const init = message as Partial<CoreInit> | null;
  return (
    typeof init === "object" &&
    init !== null &&
    init.type === "init" &&
    typeof init.dataDir === "string" &&
    /^[0-9a-f]{64}$/.test(String(init.dataKeyHex))
  );
}

const port = parentPort();
let started = false;
port.onMessage((message) => {
  if ((message as { type?: unknown } | null)?.type === "close") process.exit(0);
  if (started || !isInit(message)) return;
  started = true;
  try {
    const keyStore = sealedFileKeyStore(join(message.dataDir, SEALED_KEY_FILE), new Uint8Array(Buffer.from(message.dataKeyHex, "hex")));
    const core = createTerminalCore({
      dataDir: message.dataDir,
      keyStore,
      ...(message.autoUploadEveryMs === undefined ? {} : { autoUploadEveryMs: message.autoUploadEveryMs }),
      ...(message.cabin === undefined ? {} : { cabin: message.cabin }),
      onUploadProgress: (progress) => port.postMessage({ type: "event", event: { type: "sync/progress", ...progress } }),
      onStatusChanged: () => port.postMessage({ type: "event", event: { type: "status/changed" } }),
    });
    process.on("exit", () => core.close());
    serveCore(port, core);
    port.postMessage({ type: "ready" });
  } catch (error) {
    // Refused at start (say, another version's unsent records): main shows why, nothing opened.
    port.postMessage({ type: "failed", fault: faultOf(error) });
  }
});
// The app went away without saying close: nothing to answer any more.
process.on("disconnect", () => process.exit(0));
