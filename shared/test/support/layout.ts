/**
 * Field spans of encoded objects, computed independently from the documented layouts (not from the
 * codec), so property tests can say which field a mutated byte fell in and what reason is right.
 */
import type { RecordDraft, VoucherClaims } from "@cabinpay/shared";

export interface Span {
  readonly field: string;
  readonly start: number;
  readonly end: number;
}

const utf8Length = (text: string) => new TextEncoder().encode(text).length;

function spans(fields: readonly [string, number][]): Span[] {
  const out: Span[] = [];
  let offset = 0;
  for (const [field, size] of fields) {
    out.push({ field, start: offset, end: offset + size });
    offset += size;
  }
  return out;
}

export function fieldAt(layout: readonly Span[], offset: number): string {
  const span = layout.find((s) => offset >= s.start && offset < s.end);
  if (span === undefined) throw new Error(`offset ${offset} outside the layout`);
  return span.field;
}

export function voucherLayout(claims: VoucherClaims): Span[] {
  return spans([
    ["version", 1],
    ["algorithm", 1],
    ["keyId", 8],
    ["voucherId", 16],
    ["accountRef", 16],
    ["flight", 1 + claims.flight.carrier.length + 1 + claims.flight.number.length + 2],
    ["cap", 4],
    ["currency", 3],
    ["validFrom", 4],
    ["validUntil", 4],
    ["name", 1 + utf8Length(claims.passengerName)],
    ["seat", 1 + (claims.seat?.length ?? 0)],
    ["deviceKey", 1 + (claims.devicePublicKey?.length ?? 0)],
    ["signature", 64],
  ]);
}

export function recordLayout(draft: RecordDraft): Span[] {
  return spans([
    ["version", 1],
    ["kind", 1],
    ["recordId", 16],
    ["terminalId", 16],
    ["flight", 1 + draft.flight.carrier.length + 1 + draft.flight.number.length + 2],
    ["sequence", 4],
    ["previousHash", 32],
    ["createdAt", 8],
    ["crewId", 1 + draft.crewId.length],
    ["trolleyId", 1 + draft.trolleyId.length],
    ["voucherId", 16],
    ["referencedRecordId", 16],
    ["currency", 3],
    ["total", 8],
    ["lines", 1 + draft.lines.reduce((n, line) => n + 1 + line.sku.length + 2 + 8, 0)],
    ["voucher", 2 + (draft.voucherBytes?.length ?? 0)],
    ["reason", 1],
    ["presentation", 1 + (draft.presentation === undefined ? 0 : 74)],
    ["signature", 64],
  ]);
}

/** A rotating code's fields, around a binary voucher of `voucherLength` bytes. */
export function codeLayout(voucherLength: number): Span[] {
  return spans([
    ["version", 1],
    ["voucherLength", 2],
    ["voucher", voucherLength],
    ["slotStart", 4],
    ["period", 2],
    ["counter", 4],
    ["signature", 64],
  ]);
}
