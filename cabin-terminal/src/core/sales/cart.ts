/** The cart crew build before charging: items and quantities, priced from the manifest. */
import { LIMITS, type Manifest } from "@cabinpay/shared";

export interface CartLine {
  readonly sku: string;
  readonly quantity: number;
}

export class Cart {
  private readonly quantities = new Map<string, number>();

  add(sku: string, quantity = 1): void {
    this.setQuantity(sku, (this.quantities.get(sku) ?? 0) + quantity);
  }

  remove(sku: string): void {
    this.quantities.delete(sku);
  }

  setQuantity(sku: string, quantity: number): void {
    if (!Number.isInteger(quantity) || quantity < 0 || quantity > LIMITS.lineQuantityMax)
      throw new RangeError(`quantity ${quantity}: 0 to ${LIMITS.lineQuantityMax}`);
    if (quantity === 0) this.quantities.delete(sku);
    else this.quantities.set(sku, quantity);
  }

  clear(): void {
    this.quantities.clear();
  }

  get lines(): CartLine[] {
    return [...this.quantities].map(([sku, quantity]) => ({ sku, quantity }));
  }
}

/** The cart's lines with the manifest's prices; undefined for a sku the manifest does not sell. */
export function priced(
  lines: readonly CartLine[],
  manifest: Manifest,
): { sku: string; quantity: number; unitPriceMinor: number; nameEn: string; nameZh: string; category: string }[] | undefined {
  const out = [];
  for (const line of lines) {
    const item = manifest.catalog.find((c) => c.sku === line.sku);
    if (item === undefined) return undefined;
    out.push({
      sku: line.sku,
      quantity: line.quantity,
      unitPriceMinor: item.priceMinor,
      nameEn: item.nameEn,
      nameZh: item.nameZh,
      category: item.category,
    });
  }
  return out;
}
