/**
 * A receipt's QR code on the crew screen (renderer process), drawn here after the screen shows
 * "approved": choosing the mask the phones' scanner reads takes about 50 ms for a receipt, which
 * must not delay the approval (the core answers with the signed text only).
 */
import { readableQrSvg } from "@cabinpay/shared/qr";
import { useEffect, useState } from "react";

export function ReceiptCode({ text, alt }: { text: string; alt: string }) {
  const [svg, setSvg] = useState<string>();
  useEffect(() => {
    let current = true;
    readableQrSvg(text).then((drawn) => current && setSvg(drawn));
    return () => {
      current = false;
    };
  }, [text]);
  if (svg === undefined) return <div className="receipt-drawing" aria-busy="true" />;
  return <img src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`} alt={alt} data-testid="receipt-image" />;
}
