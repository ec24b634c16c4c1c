/**
 * The crew window's security settings (main process), kept apart from main.ts so that a test can
 * hold them: isolated context, sandboxed renderer, no Node in the page, no navigation away from
 * the app, no new windows, and only the camera as a permission.
 */
import type { BrowserWindowConstructorOptions, WebContents } from "electron";

export function windowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 800,
    minWidth: 800,
    minHeight: 600,
    backgroundColor: "#0d1117",
    autoHideMenuBar: true,
    show: false,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  };
}

/** The only permission the UI may get: the camera, for scanning vouchers. */
export const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(["media"]);

/** Keeps the window on the app's own page: no navigation, no new windows. */
export function guardNavigation(contents: Pick<WebContents, "on" | "setWindowOpenHandler">, appUrl: string): void {
  contents.setWindowOpenHandler(() => ({ action: "deny" }));
  contents.on("will-navigate", (event, url) => {
    if (url !== appUrl) event.preventDefault();
  });
}
