/**
 * The words of a passenger's voucher, in both languages: the app's voucher page (web/src/i18n)
 * and the server's drawing of it (voucher-first-paint.ts) say the same. Plain data, no imports:
 * the browser's bundle takes it too.
 */
export const VOUCHER_WORDS = {
  en: {
    title: "Your voucher",
    departs: (when: string) => `departs ${when}`,
    qrAlt: "Your voucher QR code",
    seat: (seat: string) => `seat ${seat}`,
    spendUpTo: (amount: string) => `Spend up to ${amount} on board.`,
    brightness: "Turn the screen brightness up when you show it.",
  },
  zh: {
    title: "我的凭证",
    departs: (when: string) => `${when} 起飞`,
    qrAlt: "您的凭证二维码",
    seat: (seat: string) => `座位 ${seat}`,
    spendUpTo: (amount: string) => `机上最多可消费 ${amount}。`,
    brightness: "出示时请调高屏幕亮度。",
  },
};
