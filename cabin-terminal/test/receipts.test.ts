/** The receipt beside an approved sale: made from the stored record, and never an error once the sale is committed. */
import {
  certifyDevice,
  createNobleSigner,
  generateSecretKey,
  issueVoucher,
  money,
  newId,
  nobleVerifier,
  verifyReceipt,
} from "@cabinpay/shared";
import { createNodeSigner } from "@cabinpay/shared/node";
import { describe, expect, it } from "vitest";
import { loadFlight } from "../src/core/flight/load.js";
import { receiptFor, storedRecord } from "../src/core/sales/receipts.js";
import { charge, type Seller } from "../src/core/sales/sell.js";
import { DEPARTURE_MS, enrolledDatabase, FLIGHT, issuerKey, manifestBytes } from "./support/fixtures.js";

describe("the receipt of a sale", () => {
  it("is signed for the certified key, and left out (not an error) when the certificate is another key's", async () => {
    const opened = enrolledDatabase();
    const flight = loadFlight(opened.db, { manifestBytes: manifestBytes(), trolleyId: "A", nowMs: DEPARTURE_MS - 3_600_000 });
    const signer = createNodeSigner(generateSecretKey());
    const seller: Seller = { terminalId: newId(), signer, crew: { crewId: "C1002", role: "crew" }, newId };
    const voucher = issueVoucher(
      {
        voucherId: newId(),
        accountRef: newId(),
        flight: FLIGHT,
        cap: money(50_000, "CNY"),
        validFromMs: DEPARTURE_MS - 86_400_000,
        validUntilMs: DEPARTURE_MS + 86_400_000,
        passengerName: "ZHANG/WEIMING MR",
      },
      issuerKey,
    );
    const sold = charge(opened.db, flight, seller, [{ sku: "DR-COF-300", quantity: 1 }], voucher.text, DEPARTURE_MS + 3_600_000);
    if (!sold.ok) throw new Error(sold.detail);
    const record = storedRecord(opened.db, sold.receipt.recordId);
    const ground = createNobleSigner(generateSecretKey());
    const certify = (devicePublicKey: Uint8Array) =>
      certifyDevice(
        { terminalId: seller.terminalId, devicePublicKey, terminalName: "Trolley A", issuedAtMs: 0, expiresAtMs: DEPARTURE_MS * 2 },
        ground,
      ).bytes;
    const cap = { leftMinor: 48_000, currency: "CNY" };
    const shown = await receiptFor(record, cap, { signer, certificate: certify(signer.publicKey) });
    const checked = verifyReceipt(shown!.text, { groundKeys: new Map([[ground.keyId, ground.publicKey]]), verifier: nobleVerifier });
    expect(checked.ok && checked.receipt.recordId).toBe(record.recordId);
    const otherKey = createNobleSigner(generateSecretKey()).publicKey;
    expect(await receiptFor(record, cap, { signer, certificate: certify(otherKey) })).toBeUndefined();
    expect(await receiptFor(record, cap, { signer })).toBeUndefined();
    opened.close();
  });
});
