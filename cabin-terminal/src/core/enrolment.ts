/**
 * The terminal's identity: its device key (in the key store, never the database) and what the
 * ground answered at enrolment (terminal id, the manifest key to pin).
 */
import { bytesEqual, certificateHolds, decodeCertificate, generateSecretKey, keyIdOf, type Signer } from "@cabinpay/shared";
import { createNodeSigner, createNodeVerifier } from "@cabinpay/shared/node";
import { eq } from "drizzle-orm";
import type { TerminalDb } from "./db/open.js";
import { enrolment } from "./db/schema.js";
import { TerminalError } from "./errors.js";
import type { DeviceKeyStore } from "./keys/key-store.js";

/** The device key to enrol with: the one kept, or a new one (saved before it is ever sent). */
export function deviceKey(keys: DeviceKeyStore): Signer {
  let secret = keys.load();
  if (secret === undefined) {
    secret = generateSecretKey();
    keys.save(secret);
  }
  return createNodeSigner(secret);
}

export interface EnrolmentAnswer {
  readonly terminalId: string;
  readonly name: string;
  readonly groundUrl: string;
  readonly manifestPublicKey: Uint8Array;
}

export function saveEnrolment(db: TerminalDb, answer: EnrolmentAnswer, nowMs: number): void {
  db.insert(enrolment)
    .values({
      id: 1,
      terminalId: answer.terminalId,
      name: answer.name,
      groundUrl: answer.groundUrl,
      manifestPublicKey: Buffer.from(answer.manifestPublicKey),
      enrolledAtMs: nowMs,
    })
    .onConflictDoUpdate({
      target: enrolment.id,
      set: {
        terminalId: answer.terminalId,
        name: answer.name,
        groundUrl: answer.groundUrl,
        manifestPublicKey: Buffer.from(answer.manifestPublicKey),
        enrolledAtMs: nowMs,
      },
    })
    .run();
}

interface EnrolmentRow {
  readonly terminalId: string;
  readonly name: string;
  readonly groundUrl: string;
  readonly manifestPublicKey: Buffer;
  readonly enrolledAtMs: number;
  readonly deviceCertificate: Buffer | null;
}

/** Prepared once per connection: every sale reads it (its certificate goes on the receipt), and the query builder cost a sale 0.2 ms. */
const enrolmentReads = new WeakMap<TerminalDb["$client"], { get(): EnrolmentRow | undefined }>();

function enrolmentRow(db: TerminalDb): EnrolmentRow | undefined {
  let read = enrolmentReads.get(db.$client);
  if (read === undefined) {
    read = db.$client.prepare<[], EnrolmentRow>(
      `SELECT terminal_id AS terminalId, name, ground_url AS groundUrl, manifest_public_key AS manifestPublicKey,
              enrolled_at_ms AS enrolledAtMs, device_certificate AS deviceCertificate
         FROM enrolment WHERE id = 1`,
    );
    enrolmentReads.set(db.$client, read);
  }
  return read.get();
}

export function enrolled(db: TerminalDb): EnrolmentAnswer & { enrolledAtMs: number; deviceCertificate: Uint8Array | undefined } {
  const row = enrolmentRow(db);
  if (row === undefined) throw new TerminalError("not_enrolled", "enrol this terminal with the ground first");
  return {
    ...row,
    manifestPublicKey: new Uint8Array(row.manifestPublicKey),
    deviceCertificate: row.deviceCertificate === null ? undefined : new Uint8Array(row.deviceCertificate),
  };
}

/** This terminal's id; undefined before it is enrolled. */
export function enrolledTerminalId(db: TerminalDb): string | undefined {
  return enrolmentRow(db)?.terminalId;
}

/**
 * Keeps the ground's certificate of this device's key, once it is checked: for this key, and
 * signed by the manifest key pinned at enrolment. Its dates are the ground's clock, which is the
 * truth for them (this terminal's clock may be off): the phone checks them against the receipt.
 */
export function saveCertificate(db: TerminalDb, signer: Signer, certificate: Uint8Array): void {
  const { manifestPublicKey } = enrolled(db);
  let holds: string;
  try {
    const decoded = decodeCertificate(certificate);
    const signedBy = new Map([[keyIdOf(manifestPublicKey), manifestPublicKey]]);
    holds = !bytesEqual(decoded.devicePublicKey, signer.publicKey)
      ? "for another device key"
      : certificateHolds(decoded, signedBy, decoded.issuedAtMs, verifier);
  } catch {
    holds = "malformed";
  }
  if (holds !== "ok") throw new TerminalError("ground_refused", `the ground's certificate of this terminal is not good: ${holds}`);
  db.update(enrolment)
    .set({ deviceCertificate: Buffer.from(certificate) })
    .where(eq(enrolment.id, 1))
    .run();
}

const verifier = createNodeVerifier();
