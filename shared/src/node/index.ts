/** Node-only parts of the protocol library: native Ed25519 signing and verification (node:crypto, and libsodium on worker threads for many at once), native P-256 verification of phones' signatures, native SHA-256, a free port. */
export { createNodeSigner, createNodeVerifier } from "./crypto.js";
export { createNodeDeviceVerifier } from "./device-crypto.js";
export { nodeSha256 } from "./hash.js";
export { freePort } from "./ports.js";
export { libsodiumPath } from "./sodium.js";
export { createSodiumVerifier, SodiumPool } from "./sodium-verifier.js";
