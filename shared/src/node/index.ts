/** Node-only parts of the protocol library: native Ed25519 signing and verification, a free port. */
export { createNodeSigner, createNodeVerifier } from "./crypto.js";
export { freePort } from "./ports.js";
