/**
 * Protocol benchmark: voucher verification with each Ed25519 verifier, beside the raw verify it is
 * built on, and sale records hashed + signed + verified per second.
 */
import {
  concatBytes,
  createNobleSigner,
  createRecord,
  createTrustList,
  decodeRecord,
  GENESIS_HASH,
  generateSecretKey,
  isRecordSignatureValid,
  issueVoucher,
  money,
  newId,
  nobleVerifier,
  type RecordDraft,
  SIGNATURE_DOMAIN,
  type Signer,
  type Verifier,
  verifyVoucher,
} from "@cabinpay/shared";
import { createNodeSigner, createNodeVerifier } from "@cabinpay/shared/node";
import { measure, printTable, type Rate } from "./measure.js";

export function runProtocolBench(options: { warmupMs: number; durationMs: number }): void {
  const issuer = createNobleSigner(generateSecretKey());
  const flight = { carrier: "9C", number: "8850", date: "2026-12-01" };
  const nowMs = Date.UTC(2026, 11, 1, 2);
  const voucherId = newId();
  const voucher = issueVoucher(
    {
      voucherId,
      accountRef: newId(),
      flight,
      cap: money(200_000, "CNY"),
      validFromMs: nowMs - 86_400_000,
      validUntilMs: nowMs + 86_400_000,
      passengerName: "ZHANG/WEIMING MR ABC",
      seat: "32A",
    },
    issuer,
  );
  const nodeVerifier = createNodeVerifier();
  const context = (verifier: Verifier) => ({
    trustList: createTrustList([issuer.publicKey]),
    revokedIds: new Set<string>(),
    flight,
    nowMs,
    clockToleranceMs: 300_000,
    verifier,
  });
  const signedMessage = concatBytes(SIGNATURE_DOMAIN.voucher, voucher.bytes.subarray(0, voucher.bytes.length - 64));
  const signature = voucher.bytes.subarray(voucher.bytes.length - 64);

  const verifyRows: Rate[] = [];
  for (const verifier of [nobleVerifier, nodeVerifier]) {
    const ctx = context(verifier);
    verifyRows.push(
      measure(`raw Ed25519 verify (${verifier.name})`, () => assert(verifier.verify(signature, signedMessage, issuer.publicKey)), options),
      measure(`verifyVoucher (${verifier.name})`, () => assert(verifyVoucher(voucher.text, ctx).ok), options),
    );
  }
  const nobleVoucher = verifyRows[1]!.opsPerSecond;
  printTable("Voucher verification (full decode + checks + signature)", verifyRows, (row) =>
    row.name.startsWith("verifyVoucher") ? `${(row.opsPerSecond / nobleVoucher).toFixed(1)}× noble` : "",
  );

  const recordRows: Rate[] = [];
  const signers: [string, Signer, Verifier][] = [
    ["noble", createNobleSigner(generateSecretKey()), nobleVerifier],
    ["node:crypto", createNodeSigner(generateSecretKey()), nodeVerifier],
  ];
  for (const [name, signer, verifier] of signers) {
    const draft = (sequence: number): RecordDraft => ({
      recordId: newId(),
      kind: "sale",
      terminalId: "0193c1a0-0000-7000-8000-00000000000a",
      flight,
      sequence,
      previousHash: GENESIS_HASH,
      createdAtMs: nowMs,
      crewId: "C1002",
      trolleyId: "A",
      voucherId,
      currency: "CNY",
      lines: [
        { sku: "DR-COF-300", quantity: 2, unitPriceMinor: 2000 },
        { sku: "ML-NOO-100", quantity: 1, unitPriceMinor: 4800 },
      ],
      voucherBytes: voucher.bytes,
    });
    recordRows.push(
      measure(
        `record create + decode + verify (${name})`,
        () => {
          const record = createRecord(draft(1), signer);
          const decoded = decodeRecord(record.bytes);
          assert(decoded.ok && isRecordSignatureValid(decoded.record, signer.publicKey, verifier));
        },
        options,
      ),
    );
  }
  printTable("Sale records (encode, SHA-256, sign, decode, verify)", recordRows);
}

function assert(condition: boolean): void {
  // A benchmark of a failing operation measures nothing: stop loudly.
  if (!condition) throw new Error("benchmark operation failed");
}
