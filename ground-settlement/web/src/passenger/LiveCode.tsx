/**
 * The phone's live code (browser, works offline): every slot (30 s) this phone's key signs the
 * voucher, the slot and a counter, and the page draws it as a QR code the crew's scanner reads.
 * The counter goes up with every code drawn (kept per voucher), so two codes never repeat; the
 * slot follows the ground's clock as this phone learnt it. A countdown says when the next one
 * comes; a code already scanned is replaced at once with the "new code" button.
 */
import { decodeVoucherText, makeRotatingCode } from "@cabinpay/shared";
import { useCallback, useEffect, useState } from "react";
import { useI18n } from "../i18n/language.js";
import { existingPhoneKey, type PhoneKey } from "./device-key.js";
import { groundNowMs } from "./ground-clock.js";

export const CODE_PERIOD_S = 30;

/**
 * The QR drawing (with zxing, which picks the mask our scanner reads) is most of the pages'
 * JavaScript: fetched when the first code is drawn, after the first paint. The service worker keeps
 * it from then on, so the code still draws in flight mode.
 */
export function qrDrawing(): Promise<typeof import("@cabinpay/shared/qr")> {
  return import("@cabinpay/shared/qr");
}
const TICK_MS = 1_000;

interface Drawn {
  readonly text: string;
  readonly svg: string;
  readonly slotEndMs: number;
}

export function LiveCode({ registrationId, voucherText }: { registrationId: string; voucherText: string }) {
  const { t } = useI18n();
  const [key, setKey] = useState<PhoneKey | null | undefined>();
  const [drawn, setDrawn] = useState<Drawn | undefined>();
  const [nowMs, setNowMs] = useState(groundNowMs());
  useEffect(() => {
    existingPhoneKey().then(
      (found) => setKey(found ?? null),
      () => setKey(null),
    );
  }, []);
  const draw = useCallback(async () => {
    const decoded = decodeVoucherText(voucherText);
    if (key === undefined || key === null || !decoded.ok) return;
    const at = groundNowMs();
    const text = await makeRotatingCode(decoded.bytes, { nowMs: at, periodS: CODE_PERIOD_S, counter: nextCounter(registrationId) }, key);
    const slotEndMs = (Math.floor(at / (CODE_PERIOD_S * 1000)) + 1) * CODE_PERIOD_S * 1000;
    setDrawn({ text, svg: await (await qrDrawing()).readableQrSvg(text), slotEndMs });
  }, [key, voucherText, registrationId]);
  useEffect(() => {
    void draw();
  }, [draw]);
  useEffect(() => {
    const timer = setInterval(() => {
      const now = groundNowMs();
      setNowMs(now);
      if (drawn !== undefined && now >= drawn.slotEndMs) void draw();
    }, TICK_MS);
    return () => clearInterval(timer);
  }, [drawn, draw]);
  if (key === null)
    return (
      <p className="message" data-testid="other-phone">
        {t.voucher.otherPhone}
      </p>
    );
  if (drawn === undefined) return <p className="muted">{t.voucher.drawing}</p>;
  const leftS = Math.max(0, Math.ceil((drawn.slotEndMs - nowMs) / 1000));
  return (
    <div className="live-code" data-testid="live-code" data-code={drawn.text}>
      <img className="qr" src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(drawn.svg)}`} alt={t.voucher.liveAlt} />
      <p className="muted" data-testid="code-countdown">
        {t.voucher.nextCodeIn(leftS)}
      </p>
      <button type="button" onClick={() => void draw()} data-testid="new-code">
        {t.voucher.newCode}
      </button>
    </div>
  );
}

/** This voucher's next code number: kept on the phone, never reused. */
function nextCounter(registrationId: string): number {
  const name = `cabinpay.codeCounter.${registrationId}`;
  const next = Number(localStorage.getItem(name) ?? "0") + 1;
  localStorage.setItem(name, String(next));
  return next;
}
