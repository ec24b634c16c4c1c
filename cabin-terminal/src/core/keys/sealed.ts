/**
 * The device key file sealed with a data key (core process), for the Electron app, whose core runs
 * in a utility process that cannot reach the OS keychain: main unseals a 32-byte data key with the
 * keychain (`safeStorage`) and hands it over; the core seals the key file with it (AES-256-GCM).
 * The file alone, copied off the device, still cannot sign. `adoptKeyStore` carries a device key
 * over from the store an earlier version kept, so an update never loses the terminal's identity.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { TerminalError } from "../errors.js";
import { type DeviceKeyStore, encryptedFileKeyStore, type StringCipher, writeAtomically } from "./key-store.js";

export const DATA_KEY_BYTES = 32;
const SEAL_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** AES-256-GCM under the data key: version, IV, ciphertext, tag. */
export function dataKeyCipher(dataKey: Uint8Array): StringCipher {
  if (dataKey.length !== DATA_KEY_BYTES) throw new TerminalError("key_store_damaged", "the data key is not 32 bytes");
  return {
    isEncryptionAvailable: () => true,
    encryptString(plainText) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", dataKey, iv);
      const sealed = Buffer.concat([cipher.update(plainText, "utf8"), cipher.final()]);
      return Buffer.concat([Buffer.from([SEAL_VERSION]), iv, sealed, cipher.getAuthTag()]);
    },
    decryptString(encrypted) {
      if (encrypted.length < 1 + IV_BYTES + TAG_BYTES || encrypted[0] !== SEAL_VERSION) throw new Error("not a sealed key file");
      const iv = encrypted.subarray(1, 1 + IV_BYTES);
      const decipher = createDecipheriv("aes-256-gcm", dataKey, iv);
      decipher.setAuthTag(encrypted.subarray(encrypted.length - TAG_BYTES));
      return Buffer.concat([decipher.update(encrypted.subarray(1 + IV_BYTES, encrypted.length - TAG_BYTES)), decipher.final()]).toString(
        "utf8",
      );
    },
  };
}

/** The data key kept under the OS keychain at `path`: made once, read ever after. */
export function dataKeyOf(path: string, keychain: StringCipher): Uint8Array {
  if (!keychain.isEncryptionAvailable())
    throw new TerminalError("key_store_unavailable", "the system keychain is not available: unlock the device session and start again");
  if (!existsSync(path)) writeAtomically(path, keychain.encryptString(randomBytes(DATA_KEY_BYTES).toString("hex")));
  let hex: string;
  try {
    hex = keychain.decryptString(readFileSync(path));
  } catch {
    throw new TerminalError("key_store_damaged", `${path} cannot be decrypted by this device's keychain: re-enrol the terminal`);
  }
  const key = Buffer.from(hex, "hex");
  if (key.length !== DATA_KEY_BYTES)
    throw new TerminalError("key_store_damaged", `${path} does not hold a data key: re-enrol the terminal`);
  return new Uint8Array(key);
}

export function sealedFileKeyStore(path: string, dataKey: Uint8Array): DeviceKeyStore {
  return encryptedFileKeyStore(path, dataKeyCipher(dataKey));
}

/** Moves the device key and its chain anchor from an earlier store into an empty one, once. */
export function adoptKeyStore(earlier: DeviceKeyStore, current: DeviceKeyStore): "adopted" | "nothing_to_adopt" {
  const key = current.load() === undefined ? earlier.load() : undefined;
  if (key === undefined) return "nothing_to_adopt";
  current.save(key);
  const anchor = earlier.loadAnchor();
  if (anchor !== undefined) current.saveAnchor(anchor);
  return "adopted";
}
