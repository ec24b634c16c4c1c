/** Money on the pages (browser): integer minor units with their currency, formatted exactly. */
import { formatMoney, money } from "@cabinpay/shared";

export function amount(minor: number, currency: string): string {
  return formatMoney(money(minor, currency), "en");
}
