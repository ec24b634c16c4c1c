/**
 * Where the device's Ed25519 secret key lives: never in the database, so a copied database cannot
 * sign. The file store (Node, CLI, browser host) keeps it in a 0600 file; the Electron app uses
 * its own store over safeStorage behind the same interface.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { ED25519_SECRET_KEY_BYTES, fromHex, toHex } from "@cabinpay/shared";
import { TerminalError } from "../errors.js";

export interface DeviceKeyStore {
  /** The secret key, or undefined before enrolment. */
  load(): Uint8Array | undefined;
  save(secretKey: Uint8Array): void;
}

export function fileKeyStore(path: string): DeviceKeyStore {
  return {
    load() {
      if (!existsSync(path)) return undefined;
      const secret = fromHex(readFileSync(path, "utf8").trim());
      if (secret === undefined || secret.length !== ED25519_SECRET_KEY_BYTES) {
        throw new TerminalError("key_store_damaged", `${path} does not hold a device key: re-enrol the terminal`);
      }
      return secret;
    },
    save(secretKey) {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      // Write then rename: a crash never leaves half a key.
      const temporary = `${path}.tmp`;
      writeFileSync(temporary, `${toHex(secretKey)}\n`, { mode: 0o600 });
      chmodSync(temporary, 0o600);
      renameSync(temporary, path);
    },
  };
}
