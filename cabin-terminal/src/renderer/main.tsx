/** The crew UI's entry point (renderer process). */
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.js";
import { connect } from "./bridge.js";
import "./styles.css";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App bridge={connect()} />
  </StrictMode>,
);
