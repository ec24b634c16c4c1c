/**
 * Where the device's Ed25519 secret key lives: never in the database, so a copied database cannot
 * sign. The file store (Node, CLI, browser host) keeps it in a 0600 file; the Electron app keeps
 * it encrypted by the OS keychain (`safeStorage`), behind the same interface. The chain anchor
 * (integrity/anchor.ts: each flight's chain head and the PIN lock-outs, signed by this key) is kept
 * in the same file, after the key: removing it means removing the key, which ends the terminal.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { ED25519_SECRET_KEY_BYTES, fromHex, toHex } from "@cabinpay/shared";
import { TerminalError } from "../errors.js";

export interface DeviceKeyStore {
  /** The secret key, or undefined before enrolment. */
  load(): Uint8Array | undefined;
  save(secretKey: Uint8Array): void;
  /** The signed chain anchor kept with the key, or undefined if none was written yet. */
  loadAnchor(): string | undefined;
  /** Writes the anchor beside the key (the key must be there). */
  saveAnchor(anchor: string): void;
}

/** What the store keeps: the key's hex on the first line, then the anchor if there is one. */
interface Stored {
  readonly secretKey: Uint8Array;
  readonly anchor: string | undefined;
}

function encodeStored(stored: Stored): string {
  return `${toHex(stored.secretKey)}\n${stored.anchor === undefined ? "" : `${stored.anchor}\n`}`;
}

function decodeStored(text: string, path: string): Stored {
  const [keyLine = "", anchor] = text.split("\n");
  return { secretKey: checkedKey(fromHex(keyLine.trim()), path), anchor: anchor === undefined || anchor === "" ? undefined : anchor };
}

/**
 * The load/save pair over a store's whole contents, read and written as text. The anchor is
 * written after every sale: what was last written is kept in memory so that a write does not read
 * (and decrypt) the file first. Loads always read the file.
 */
function storeOver(path: string, io: { read(): string; write(text: string): void }): DeviceKeyStore {
  let written: Stored | undefined;
  const read = (): Stored | undefined => (existsSync(path) ? decodeStored(io.read(), path) : undefined);
  const write = (stored: Stored) => {
    io.write(encodeStored(stored));
    written = stored;
  };
  return {
    load: () => read()?.secretKey,
    save(secretKey) {
      write({ secretKey, anchor: read()?.anchor });
    },
    loadAnchor: () => read()?.anchor,
    saveAnchor(anchor) {
      const stored = written ?? read();
      if (stored === undefined) throw new TerminalError("not_enrolled", "no device key to anchor the chain with: enrol the terminal first");
      write({ secretKey: stored.secretKey, anchor });
    },
  };
}

export function fileKeyStore(path: string): DeviceKeyStore {
  return storeOver(path, {
    read: () => readFileSync(path, "utf8"),
    write: (text) => writeAtomically(path, Buffer.from(text)),
  });
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
  return storeOver(path, {
    read() {
      available();
      try {
        return cipher.decryptString(readFileSync(path));
      } catch {
        throw new TerminalError("key_store_damaged", `${path} cannot be decrypted by this device's keychain: re-enrol the terminal`);
      }
    },
    write(text) {
      available();
      writeAtomically(path, cipher.encryptString(text));
    },
  });
}

function checkedKey(secret: Uint8Array | undefined, path: string): Uint8Array {
  if (secret === undefined || secret.length !== ED25519_SECRET_KEY_BYTES) {
    throw new TerminalError("key_store_damaged", `${path} does not hold a device key: re-enrol the terminal`);
  }
  return secret;
}

/** Write then rename, owner-only: a crash never leaves half a key. */
export function writeAtomically(path: string, bytes: Buffer): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, bytes, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}
