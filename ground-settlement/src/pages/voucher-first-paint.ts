/**
 * The voucher drawn by the server into the page's HTML, so a phone at the gate on a poor
 * connection shows it after one request: on Chromium's "Slow 3G" each request costs two seconds
 * before its first byte, and the app (its JavaScript, then the session, the registration and the
 * QR picture) would take four such steps. The app takes over once it shows the voucher itself
 * (`web/src/first-paint.ts` removes this block). Only a printed, active voucher of the signed-in
 * passenger is drawn; a phone-bound one pays only with the live code the app signs.
 */
import { createHash } from "node:crypto";
import { airportTimeZone, formatMoney, money } from "@cabinpay/shared";
import { VOUCHER_WORDS } from "./voucher-words.js";

export type FirstPaintLanguage = "en" | "zh";

const LOCALES: Record<FirstPaintLanguage, string> = { en: "en", zh: "zh-Hans-CN" };

/**
 * The block's own style, inline because the app's stylesheet is one more request away; allowed by
 * its hash in the page's Content-Security-Policy. While the block is there the app's root is hidden.
 */
export const FIRST_PAINT_STYLE = [
  "body{margin:0}",
  '.first-paint{font-family:system-ui,"Noto Sans CJK SC","PingFang SC",sans-serif;color:#13213a;background:#fff;min-height:100vh;text-align:center;padding:16px;box-sizing:border-box}',
  ".first-paint~#root{display:none}",
  ".first-paint svg{width:min(92vw,440px);height:auto;display:block;margin:0 auto}",
  ".first-paint .name{font-size:1.4rem;font-weight:700;margin:0}",
  ".first-paint h1{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}",
].join("");

export const FIRST_PAINT_STYLE_HASH = `'sha256-${createHash("sha256").update(FIRST_PAINT_STYLE).digest("base64")}'`;

/** The person's language from Accept-Language: the first Chinese or English tag, else English. */
export function firstPaintLanguage(acceptLanguage: string | undefined): FirstPaintLanguage {
  for (const part of (acceptLanguage ?? "").slice(0, 512).split(",")) {
    const tag = part.trim().toLowerCase();
    if (tag.startsWith("zh")) return "zh";
    if (tag.startsWith("en")) return "en";
  }
  return "en";
}

export interface FirstPaintVoucher {
  readonly flight: { readonly carrier: string; readonly number: string; readonly departureAtMs: number; readonly origin: string };
  readonly passengerName: string;
  readonly seat: string | null;
  readonly capMinor: number;
  readonly currency: string;
  readonly qrSvg: string;
}

/** The page with the voucher drawn in: the block first in the body, the app's stylesheet after it so it blocks nothing above. */
export function withVoucherFirstPaint(indexHtml: string, voucher: FirstPaintVoucher, language: FirstPaintLanguage): string {
  const stylesheets = indexHtml.match(/<link rel="stylesheet"[^>]*>/g) ?? [];
  let html = indexHtml;
  for (const link of stylesheets) html = html.replace(link, "");
  return html
    .replace('<html lang="en">', `<html lang="${LOCALES[language]}">`)
    .replace("</head>", `<style>${FIRST_PAINT_STYLE}</style></head>`)
    .replace("<body>", `<body>${voucherBlock(voucher, language)}${stylesheets.join("")}`);
}

function voucherBlock(voucher: FirstPaintVoucher, language: FirstPaintLanguage): string {
  const t = VOUCHER_WORDS[language];
  const locale = LOCALES[language];
  const { flight } = voucher;
  const zone = airportTimeZone(flight.origin);
  const departs =
    new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone: zone ?? "UTC" }).format(flight.departureAtMs) +
    ` (${flight.origin.toUpperCase()}${zone === undefined ? ", UTC" : ""})`;
  const amount = formatMoney(money(voucher.capMinor, voucher.currency), locale);
  const seat = voucher.seat === null ? "" : ` · ${t.seat(voucher.seat)}`;
  return [
    '<main id="first-paint" class="first-paint">',
    `<h1>${escapeHtml(t.title)}</h1>`,
    `<p>${escapeHtml(`${flight.carrier}${flight.number} · ${t.departs(departs)}`)}</p>`,
    `<div role="img" aria-label="${escapeHtml(t.qrAlt)}">${voucher.qrSvg}</div>`,
    `<p class="name">${escapeHtml(voucher.passengerName + seat)}</p>`,
    `<p><strong>${escapeHtml(t.spendUpTo(amount))}</strong> ${escapeHtml(t.brightness)}</p>`,
    "</main>",
  ].join("");
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
