export * from "./deployment.js";
export * from "./flights.js";
export * from "./identity.js";
export * from "./ledger.js";
export * from "./registrations.js";
export * from "./rotations.js";
export * from "./terminals.js";
export * from "./uploads.js";
