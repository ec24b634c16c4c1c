/**
 * Builds the web pages (web/) into dist/web, served by the ground under /app/. Shared code is
 * bundled from source; public/ (the service worker, the PWA manifest, the icon) is copied as is.
 */
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  // Beside this file, wherever the build runs from (the terminal's tests build these pages too).
  root: fileURLToPath(new URL("web", import.meta.url)),
  base: "/app/",
  plugins: [react()],
  resolve: { conditions: ["@cabinpay/source", "browser", "module", "import", "default"] },
  build: { outDir: "../dist/web", emptyOutDir: true, target: "es2022", assetsInlineLimit: 0 },
});
