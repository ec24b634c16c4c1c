/**
 * Builds the web pages (web/) into dist/web, served by the ground under /app/. Shared code is
 * bundled from source; public/ (the service worker, the PWA manifest, the icon) is copied as is.
 */
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  root: "web",
  base: "/app/",
  plugins: [react()],
  resolve: { conditions: ["@cabinpay/source", "browser", "module", "import", "default"] },
  build: { outDir: "../dist/web", emptyOutDir: true, target: "es2022", assetsInlineLimit: 0 },
});
