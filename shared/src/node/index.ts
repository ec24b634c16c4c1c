/** Node-only parts of the protocol library: native Ed25519 signing and verification, native P-256 verification of phones' signatures, a free port. */
export { createNodeSigner, createNodeVerifier } from "./crypto.js";
export { createNodeDeviceVerifier } from "./device-crypto.js";
export { freePort } from "./ports.js";
