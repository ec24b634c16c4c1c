/**
 * The voucher the server drew into the page (browser; `src/pages/voucher-first-paint.ts`) stays
 * until the app shows its own, or shows something else: then it is removed, and the app's root,
 * hidden while it was there, shows.
 */
export function endFirstPaint(): void {
  document.getElementById("first-paint")?.remove();
}
