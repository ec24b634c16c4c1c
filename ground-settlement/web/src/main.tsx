/** The web pages' entry point (browser). */
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.js";
import "./styles.css";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

// The voucher works in the air: the service worker keeps it (public/sw.js).
if ("serviceWorker" in navigator) void navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" });
