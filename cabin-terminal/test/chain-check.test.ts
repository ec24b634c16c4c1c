/**
 * The chain check at start reads a flight's records a page at a time (`checkStoredChain`): a chain
 * longer than a page is whole across the pages' seams, and a record missing or changed right at a
 * seam is found as anywhere else.
 */
import { generateSecretKey, newId } from "@cabinpay/shared";
import { createNodeSigner } from "@cabinpay/shared/node";
import { describe, expect, it } from "vitest";
import { loadFlight } from "../src/core/flight/load.js";
import { checkStoredChain } from "../src/core/integrity/chain-check.js";
import { appendRecord } from "../src/core/sales/chain.js";
import { DEPARTURE_MS, enrolledDatabase, FLIGHT, manifestBytes, printedVoucher } from "./support/fixtures.js";

/** Past two seams of the check's 1,000-row pages. */
const RECORDS = 2_100;

function longChain() {
  const opened = enrolledDatabase();
  const { flightKey } = loadFlight(opened.db, { manifestBytes: manifestBytes(), trolleyId: "A", nowMs: DEPARTURE_MS });
  const device = createNodeSigner(generateSecretKey());
  const voucher = printedVoucher();
  const terminalId = newId();
  opened.db.transaction(() => {
    for (let i = 0; i < RECORDS; i++) {
      const sale = { recordId: newId(), kind: "sale" as const, terminalId, flight: FLIGHT, createdAtMs: DEPARTURE_MS + i };
      const lines = [{ sku: "DR-COF-300", quantity: 1, unitPriceMinor: 3_000 }];
      appendRecord(
        opened.db,
        { ...sale, crewId: "C1001", trolleyId: "A", voucherId: voucher.voucherId, currency: "CNY", lines, voucherBytes: voucher.bytes },
        flightKey,
        device,
      );
    }
  });
  const check = () => checkStoredChain(opened.db, flightKey, { sequence: RECORDS, hash: headHash(), devicePublicKey: device.publicKey });
  const headHash = () =>
    new Uint8Array((opened.sqlite.prepare("SELECT hash FROM records WHERE sequence = ?").get(RECORDS) as { hash: Buffer }).hash);
  return { opened, check };
}

describe("the chain check at start, over more than one page of records", () => {
  it("finds a long chain whole, up to the anchored head", () => {
    const { opened, check } = longChain();
    const checked = check();
    expect(checked.ok && checked.head.sequence).toBe(RECORDS);
    opened.close();
  });

  it.each([
    ["the first record of a page removed", "DELETE FROM records WHERE sequence = 1001", /records 1001 to 1001 are missing/],
    ["the last record of a page removed", "DELETE FROM records WHERE sequence = 2000", /records 2000 to 2000 are missing/],
    [
      "a byte of the first record of a page changed",
      "UPDATE records SET bytes = CAST(zeroblob(1) || substr(bytes, 2) AS BLOB) WHERE sequence = 1001",
      /record 1001 /,
    ],
  ])("finds %s", (_what, statement, detail) => {
    const { opened, check } = longChain();
    opened.sqlite.prepare(statement).run();
    const checked = check();
    expect(checked.ok ? "whole" : checked.detail).toMatch(detail);
    opened.close();
  });
});
