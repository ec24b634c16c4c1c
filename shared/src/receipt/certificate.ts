/**
 * A terminal's device certificate: the ground vouches, with its manifest key, that a device public
 * key belongs to one of its enrolled terminals, for a time. A passenger's phone, which never talks
 * to terminals' keys otherwise, checks a receipt's signature against the certified key, and the
 * certificate against the ground's key it fetched before the flight: offline on both sides.
 *
 * Layout (big-endian; docs/protocol.md has the table):
 *   u8 version=1 · 16 terminal id · 32 device public key (Ed25519) · str8 terminal name ·
 *   u64 issued at (ms) · u64 expires at (ms) · 8 signing key id ·
 *   64 signature (Ed25519 by the ground's manifest key over "CPD1" ‖ all bytes before it)
 */
import { SIGNATURE_DOMAIN } from "../crypto/domain.js";
import { ED25519_PUBLIC_KEY_BYTES, ED25519_SIGNATURE_BYTES, KEY_ID_BYTES, type Signer, type Verifier } from "../crypto/ed25519.js";
import { ByteReader, ByteWriter, DecodeError } from "../encoding/binary.js";
import { concatBytes, fromHex, toHex } from "../encoding/bytes.js";
import { check } from "../errors.js";
import { isUuid, UUID_BYTES, uuidToBytes } from "../ids/uuid.js";

export const CERTIFICATE_FORMAT_VERSION = 1;
/** A terminal's name as ops gave it ("Trolley A"), UTF-8 bytes. */
export const TERMINAL_NAME_BYTES_MAX = 64;

export interface DeviceCertificateContent {
  readonly terminalId: string;
  readonly devicePublicKey: Uint8Array;
  readonly terminalName: string;
  readonly issuedAtMs: number;
  readonly expiresAtMs: number;
}

export interface DeviceCertificate extends DeviceCertificateContent {
  readonly signingKeyId: string;
  readonly signature: Uint8Array;
  readonly signedBytes: Uint8Array;
  readonly bytes: Uint8Array;
}

/** The ground signs a terminal's key (at enrolment, and again before the old one runs out). */
export function certifyDevice(content: DeviceCertificateContent, groundKey: Signer): DeviceCertificate {
  check(isUuid(content.terminalId), "terminalId");
  check(content.devicePublicKey.length === ED25519_PUBLIC_KEY_BYTES, "an Ed25519 device key is 32 bytes");
  check(content.terminalName.length > 0, "terminalName");
  check(Number.isSafeInteger(content.issuedAtMs) && content.issuedAtMs >= 0, "issuedAtMs");
  check(Number.isSafeInteger(content.expiresAtMs) && content.expiresAtMs > content.issuedAtMs, "expiresAtMs after issuedAtMs");
  const keyId = fromHex(groundKey.keyId)!;
  const signedBytes = new ByteWriter()
    .u8(CERTIFICATE_FORMAT_VERSION)
    .fixed(uuidToBytes(content.terminalId), UUID_BYTES)
    .fixed(content.devicePublicKey, ED25519_PUBLIC_KEY_BYTES)
    .str8(content.terminalName, TERMINAL_NAME_BYTES_MAX)
    .u64(content.issuedAtMs)
    .u64(content.expiresAtMs)
    .fixed(keyId, KEY_ID_BYTES)
    .finish();
  const signature = groundKey.sign(concatBytes(SIGNATURE_DOMAIN.deviceCertificate, signedBytes));
  return { ...content, signingKeyId: groundKey.keyId, signature, signedBytes, bytes: concatBytes(signedBytes, signature) };
}

/** Structure only (the signature is `certificateHolds`'); throws DecodeError. */
export function decodeCertificate(bytes: Uint8Array): DeviceCertificate {
  const reader = new ByteReader(bytes);
  if (reader.u8("certificate version") !== CERTIFICATE_FORMAT_VERSION) throw new DecodeError("certificate: version");
  const terminalId = reader.uuid("terminal id");
  const devicePublicKey = reader.fixed(ED25519_PUBLIC_KEY_BYTES, "device key").slice();
  const terminalName = reader.str8("terminal name", 1, TERMINAL_NAME_BYTES_MAX);
  const issuedAtMs = reader.u64("issued at");
  const expiresAtMs = reader.u64("expires at");
  const signingKeyId = toHex(reader.fixed(KEY_ID_BYTES, "signing key id"));
  const signedBytes = bytes.slice(0, reader.position);
  const signature = reader.fixed(ED25519_SIGNATURE_BYTES, "certificate signature").slice();
  reader.end("certificate");
  if (expiresAtMs <= issuedAtMs) throw new DecodeError("certificate: empty validity");
  return { terminalId, devicePublicKey, terminalName, issuedAtMs, expiresAtMs, signingKeyId, signature, signedBytes, bytes: bytes.slice() };
}

/** Whether the ground key named by the certificate signed it, and it covers `atMs`. */
export function certificateHolds(
  certificate: DeviceCertificate,
  groundKeys: ReadonlyMap<string, Uint8Array>,
  atMs: number,
  verifier: Verifier,
): "ok" | "unknown_ground_key" | "bad_certificate" | "certificate_expired" {
  const key = groundKeys.get(certificate.signingKeyId);
  if (key === undefined) return "unknown_ground_key";
  if (!verifier.verify(certificate.signature, concatBytes(SIGNATURE_DOMAIN.deviceCertificate, certificate.signedBytes), key))
    return "bad_certificate";
  return atMs >= certificate.issuedAtMs && atMs <= certificate.expiresAtMs ? "ok" : "certificate_expired";
}
