/**
 * The preload (preload process, sandboxed, CommonJS): exposes exactly the `TerminalApi` to the
 * page through the context bridge, one entry per method, each an IPC call to main's handler of the
 * same name. `satisfies` makes the compiler refuse a missing or extra method; the wiring test
 * checks the names against main's handlers.
 */
import type { TerminalApi, TerminalBridge, TerminalEvent } from "../api/contract.js";

// A sandboxed preload is CommonJS and may require only "electron".
import electron = require("electron");

const { contextBridge, ipcRenderer } = electron;

const invoke = (method: string, input: unknown) => ipcRenderer.invoke(`cabinpay:${method}`, input);

const api = {
  "enrolment/enrol": (input) => invoke("enrolment/enrol", input),
  "manifest/download": (input) => invoke("manifest/download", input),
  "manifest/import": (input) => invoke("manifest/import", input),
  "manifest/load-assigned": (input) => invoke("manifest/load-assigned", input),
  "manifest/import-rotation": (input) => invoke("manifest/import-rotation", input),
  "catalog/list": (input) => invoke("catalog/list", input),
  "crew/login": (input) => invoke("crew/login", input),
  "crew/logout": (input) => invoke("crew/logout", input),
  "cart/add": (input) => invoke("cart/add", input),
  "cart/remove": (input) => invoke("cart/remove", input),
  "cart/set": (input) => invoke("cart/set", input),
  "cart/clear": (input) => invoke("cart/clear", input),
  "sale/charge": (input) => invoke("sale/charge", input),
  "sale/void": (input) => invoke("sale/void", input),
  "sale/refund": (input) => invoke("sale/refund", input),
  "sale/list": (input) => invoke("sale/list", input),
  "service/report": (input) => invoke("service/report", input),
  "service/close": (input) => invoke("service/close", input),
  "service/open-next": (input) => invoke("service/open-next", input),
  "sync/upload": (input) => invoke("sync/upload", input),
  "sync/records": (input) => invoke("sync/records", input),
  "status/get": (input) => invoke("status/get", input),
  "cabin/exchange": (input) => invoke("cabin/exchange", input),
  "cabin/status": (input) => invoke("cabin/status", input),
  "cabin/handoff-frames": (input) => invoke("cabin/handoff-frames", input),
  "cabin/handoff-scan": (input) => invoke("cabin/handoff-scan", input),
  "retention/purge": (input) => invoke("retention/purge", input),
} satisfies TerminalApi;

const bridge: TerminalBridge = {
  api,
  onEvent(listener) {
    const forward = (_event: unknown, payload: TerminalEvent) => listener(payload);
    ipcRenderer.on("cabinpay:event", forward);
    return () => ipcRenderer.removeListener("cabinpay:event", forward);
  },
};

contextBridge.exposeInMainWorld("cabinpay", bridge);
