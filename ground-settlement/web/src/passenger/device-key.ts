/**
 * This phone's key (browser): made once, kept in IndexedDB, used to sign the rotating codes that
 * pay with a phone-bound voucher. WebCrypto makes it non-extractable (P-256 ECDSA, the one curve
 * every phone browser signs with): the page can use it but not read it, so no script or backup
 * copies it off the phone. Where WebCrypto cannot (no secure context, an old browser), a portable
 * key is made instead and kept the same way, readable by this origin's scripts: said in
 * docs/security.md.
 */
import { compressDevicePublicKey, createPortableDeviceSigner, type DeviceSigner } from "@cabinpay/shared";

const DATABASE = "cabinpay";
const STORE = "device-keys";
const KEY_NAME = "phone";

type Stored = { readonly kind: "webcrypto"; readonly pair: CryptoKeyPair } | { readonly kind: "portable"; readonly secretKey: Uint8Array };

export interface PhoneKey extends DeviceSigner {
  /** Whether the browser keeps the private key unreadable (WebCrypto) or this origin can read it (portable). */
  readonly protectedByBrowser: boolean;
}

/** The phone's key, made on first use. */
export async function phoneKey(): Promise<PhoneKey> {
  const stored = (await read()) ?? (await make());
  return signerOf(stored);
}

/** The phone's key if this phone has one (a voucher bound to another phone cannot be shown here). */
export async function existingPhoneKey(): Promise<PhoneKey | undefined> {
  const stored = await read();
  return stored === undefined ? undefined : signerOf(stored);
}

/** Base64url of the compressed public key, as the registration sends it. */
export function publicKeyText(key: DeviceSigner): string {
  let binary = "";
  for (const byte of key.publicKey) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

async function make(): Promise<Stored> {
  let stored: Stored;
  try {
    const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
    stored = { kind: "webcrypto", pair };
  } catch {
    stored = { kind: "portable", secretKey: createPortableDeviceSigner().secretKey };
  }
  await write(stored);
  return stored;
}

async function signerOf(stored: Stored): Promise<PhoneKey> {
  if (stored.kind === "portable") return { ...createPortableDeviceSigner(stored.secretKey), protectedByBrowser: false };
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", stored.pair.publicKey));
  return {
    publicKey: compressDevicePublicKey(raw),
    protectedByBrowser: true,
    sign: async (message) =>
      new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, stored.pair.privateKey, message as BufferSource)),
  };
}

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function read(): Promise<Stored | undefined> {
  const db = await open();
  return new Promise((resolve, reject) => {
    const request = db.transaction(STORE, "readonly").objectStore(STORE).get(KEY_NAME);
    request.onsuccess = () => resolve(request.result as Stored | undefined);
    request.onerror = () => reject(request.error);
  });
}

async function write(stored: Stored): Promise<void> {
  const db = await open();
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(STORE, "readwrite");
    transaction.objectStore(STORE).put(stored, KEY_NAME);
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error);
  });
}
