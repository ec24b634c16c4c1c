/**
 * Where the device's Ed25519 secret key lives: never in the database, so a copied database cannot
 * sign. The file store (Node, CLI, browser host) keeps it in a 0600 file; the Electron app keeps
 * it encrypted by the OS keychain (`safeStorage`), behind the same interface.
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
      return checkedKey(fromHex(readFileSync(path, "utf8").trim()), path);
    },
    save(secretKey) {
      writeAtomically(path, Buffer.from(`${toHex(secretKey)}\n`));
    },
  };
}

/** What the store needs of Electron's `safeStorage` (the OS keychain): the app passes it as is. */
export interface StringCipher {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

/**
 * The Electron app's store: the key is encrypted by the OS keychain (`safeStorage`) before it
 * touches the disk, so the file alone, copied off the device, cannot sign.
 */
export function encryptedFileKeyStore(path: string, cipher: StringCipher): DeviceKeyStore {
  const available = () => {
    if (!cipher.isEncryptionAvailable())
      throw new TerminalError("key_store_unavailable", "the system keychain is not available: unlock the device session and start again");
  };
  return {
    load() {
      if (!existsSync(path)) return undefined;
      available();
      let plain: string;
      try {
        plain = cipher.decryptString(readFileSync(path));
      } catch {
        throw new TerminalError("key_store_damaged", `${path} cannot be decrypted by this device's keychain: re-enrol the terminal`);
      }
      return checkedKey(fromHex(plain.trim()), path);
    },
    save(secretKey) {
      available();
      writeAtomically(path, cipher.encryptString(toHex(secretKey)));
    },
  };
}

function checkedKey(secret: Uint8Array | undefined, path: string): Uint8Array {
  if (secret === undefined || secret.length !== ED25519_SECRET_KEY_BYTES) {
    throw new TerminalError("key_store_damaged", `${path} does not hold a device key: re-enrol the terminal`);
  }
  return secret;
}

/** Write then rename, owner-only: a crash never leaves half a key. */
function writeAtomically(path: string, bytes: Buffer): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, bytes, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}
