/**
 * The ground's signing keys: the manifest key (terminals pin it at enrolment) and the voucher
 * issuer keys (rotated; their public halves and status live in the database). Secrets are files in
 * DATA_DIR/keys, mode 0600. Every API process of one deployment shares that folder (a mounted
 * secret volume); a hardware security module would take this module's place.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fromHex, generateSecretKey, type Signer, toHex } from "@cabinpay/shared";
import { createNodeSigner } from "@cabinpay/shared/node";

export interface KeyStore {
  readonly manifestSigner: Signer;
  issuerSigner(keyId: string): Signer | undefined;
  /** Makes a new issuer key, stores its secret, and returns it (the caller records it as active). */
  createIssuerKey(): Signer;
}

export function fileKeyStore(directory: string): KeyStore {
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const issuers = new Map<string, Signer>();
  const load = (file: string): Signer | undefined => {
    const path = join(directory, file);
    if (!existsSync(path)) return undefined;
    const secret = fromHex(readFileSync(path, "utf8").trim());
    if (secret === undefined || secret.length !== 32) throw new Error(`${path} does not hold a 32-byte hex secret key`);
    return createNodeSigner(secret);
  };
  const save = (file: string, secret: Uint8Array) => {
    const path = join(directory, file);
    writeFileSync(path, `${toHex(secret)}\n`, { mode: 0o600, flag: "wx" });
    chmodSync(path, 0o600);
  };

  let manifestSigner = load("manifest.key");
  if (manifestSigner === undefined) {
    const secret = generateSecretKey();
    save("manifest.key", secret);
    manifestSigner = createNodeSigner(secret);
  }
  return {
    manifestSigner,
    issuerSigner(keyId) {
      if (!/^[0-9a-f]{16}$/.test(keyId)) return undefined;
      let signer = issuers.get(keyId);
      if (signer === undefined) {
        signer = load(`issuer-${keyId}.key`);
        if (signer !== undefined) issuers.set(keyId, signer);
      }
      return signer;
    },
    createIssuerKey() {
      const secret = generateSecretKey();
      const signer = createNodeSigner(secret);
      save(`issuer-${signer.keyId}.key`, secret);
      issuers.set(signer.keyId, signer);
      return signer;
    },
  };
}
