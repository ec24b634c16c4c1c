/**
 * The purser's void or refund of one sale (renderer process): for a refund which items come back,
 * for both why (from the list; signed into the record), and the purser's PIN when a crew member is
 * logged in. The total shown is the one the core will sign: the shared rule, not a sum of its own.
 */
import { linesTotalMinor, REVERSAL_REASONS, type ReversalReason } from "@cabinpay/shared";
import { useState } from "react";
import type { ReceiptQr, SaleListItem } from "../../api/results.js";
import { amount, useTerminal } from "../context.js";
import { firstPurser, PurserPin, type PurserPinValue } from "./PurserPin.js";

export type ReversalKind = "void" | "refund";

interface Props {
  readonly sale: SaleListItem;
  readonly kind: ReversalKind;
  /** The core's answer came back: a refusal to show (its words), or undefined when it was done, with its receipt. */
  readonly onDone: (refusal: string | undefined, receiptQr?: ReceiptQr) => void;
  readonly onCancel: () => void;
}

export function ReversalForm({ sale, kind, onDone, onCancel }: Props) {
  const { api, words, status, language, fail } = useTerminal();
  const [reason, setReason] = useState<ReversalReason | undefined>();
  const [quantities, setQuantities] = useState<Record<string, number>>({});
  const [override, setOverride] = useState<PurserPinValue>({ crewId: firstPurser(status.flight?.crew ?? []), pin: "" });
  const [busy, setBusy] = useState(false);
  const currency = status.flight?.currency ?? "CNY";
  const purser = status.crew?.role === "purser";
  const chosen = sale.lines
    .map((line) => ({ ...line, quantity: kind === "void" ? line.quantity : (quantities[line.sku] ?? 0) }))
    .filter((line) => line.quantity > 0);
  const totalMinor = linesTotalMinor(currency, chosen);
  const ready = !busy && reason !== undefined && chosen.length > 0 && (purser || override.pin.length >= 4);

  const submit = async () => {
    if (!ready) return;
    setBusy(true);
    try {
      const who = purser ? {} : { purser: override };
      const items = chosen.map(({ sku, quantity }) => ({ sku, quantity }));
      const result =
        kind === "void"
          ? await api["sale/void"]({ recordId: sale.recordId, reason, ...who })
          : await api["sale/refund"]({ recordId: sale.recordId, reason, lines: items, ...who });
      if (result.ok) onDone(undefined, result.receiptQr);
      else onDone(words.refusals[result.reason] ?? result.detail);
    } catch (error) {
      fail(error);
    } finally {
      setBusy(false);
      setOverride({ ...override, pin: "" });
    }
  };

  return (
    <form
      className="reversal"
      data-testid={`${kind}-form`}
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      {kind === "refund" && (
        <fieldset>
          <legend>{words.refundWhich}</legend>
          {sale.lines
            .filter((line) => (sale.refundable[line.sku] ?? 0) > 0)
            .map((line) => (
              <label key={line.sku} className="refund-line">
                <span>
                  {language === "zh" ? line.nameZh : line.nameEn} · {amount(line.unitPriceMinor, currency, language)} ·{" "}
                  {words.refundUpTo(sale.refundable[line.sku] ?? 0)}
                </span>
                <input
                  type="number"
                  min={0}
                  max={sale.refundable[line.sku]}
                  value={quantities[line.sku] ?? 0}
                  onChange={(e) =>
                    setQuantities({ ...quantities, [line.sku]: clamp(e.target.valueAsNumber, sale.refundable[line.sku] ?? 0) })
                  }
                  data-testid="refund-quantity"
                />
              </label>
            ))}
        </fieldset>
      )}
      <fieldset>
        <legend>{words.reasonLegend}</legend>
        <div className="reasons">
          {REVERSAL_REASONS.map((code) => (
            <label key={code} className={reason === code ? "reason chosen" : "reason"}>
              <input type="radio" name="reason" value={code} checked={reason === code} onChange={() => setReason(code)} />
              {words.reasons[code]}
            </label>
          ))}
        </div>
      </fieldset>
      {!purser && <PurserPin value={override} onChange={setOverride} />}
      <p>{kind === "void" ? words.confirmVoid : words.confirmRefund(amount(totalMinor, currency, language))}</p>
      <div className="confirm">
        <button type="submit" className="danger" disabled={!ready} data-testid={`confirm-${kind}`}>
          {kind === "void" ? words.void : words.refund}
        </button>
        <button type="button" onClick={onCancel}>
          {words.cancel}
        </button>
      </div>
    </form>
  );
}

/** What the purser typed, kept within 0..what is left (an empty box is 0). */
function clamp(typed: number, leftMax: number): number {
  return Number.isInteger(typed) ? Math.min(Math.max(typed, 0), leftMax) : 0;
}
