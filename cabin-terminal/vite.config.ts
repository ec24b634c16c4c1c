/**
 * Builds the crew UI (src/renderer) into dist/renderer, served by the browser host and loaded by
 * Electron from disk: relative asset paths, so both work. Shared code is bundled from source.
 */
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  // Beside this file, wherever the build runs from (the page benchmark builds it from test/).
  root: fileURLToPath(new URL("src/renderer", import.meta.url)),
  base: "./",
  plugins: [react()],
  resolve: { conditions: ["@cabinpay/source", "browser", "module", "import", "default"] },
  build: {
    outDir: "../../dist/renderer",
    emptyOutDir: true,
    target: "es2022",
    // One file per kind keeps the strict CSP simple (no inline chunks) and the app small to load.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1_500,
  },
});
