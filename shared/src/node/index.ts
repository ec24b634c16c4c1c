/** Node-only parts of the protocol library: native Ed25519 signing and verification. */
export { createNodeSigner, createNodeVerifier } from "./crypto.js";
