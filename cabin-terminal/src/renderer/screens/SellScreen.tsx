/**
 * Selling (renderer process): the catalog by category with search, big tap targets, the cart with
 * quantities and total, then Charge → the pay screen → approved or declined.
 */
import { useMemo, useState } from "react";
import type { CartView } from "../../api/contract.js";
import type { ChargeResult } from "../../api/results.js";
import { amount, useTerminal } from "../context.js";
import { useLoaded } from "../use-loaded.js";
import { PayScreen } from "./PayScreen.js";
import { ResultScreen } from "./ResultScreen.js";

export function SellScreen() {
  const { api, words, status, language, refresh, fail } = useTerminal();
  const [cart, setCart] = useState<CartView | undefined>(status.cart);
  const [category, setCategory] = useState<string | undefined>();
  const [query, setQuery] = useState("");
  const [stage, setStage] = useState<"cart" | "pay" | { result: ChargeResult }>("cart");
  const currency = status.flight?.currency ?? "CNY";
  // After the close nothing more is sold on this flight: said at the top, and nothing can be added.
  const closed = status.flight?.serviceClosed === true;

  const { value: catalog = [], reload: loadCatalog } = useLoaded((api) => api["catalog/list"]({}));

  const categories = useMemo(() => [...new Set(catalog.map((item) => item.category))], [catalog]);
  const shown = catalog.filter(
    (item) =>
      (category === undefined || item.category === category) &&
      (query === "" || `${item.nameEn} ${item.nameZh} ${item.sku}`.toLowerCase().includes(query.toLowerCase())),
  );
  const inCart = (sku: string) => cart?.lines.find((line) => line.sku === sku)?.quantity ?? 0;
  const change = async (work: () => Promise<CartView>) => {
    try {
      setCart(await work());
    } catch (error) {
      fail(error);
    }
  };
  const charged = async (result: ChargeResult) => {
    setStage({ result });
    if (result.ok) {
      setCart(await api["cart/clear"]({}));
      await loadCatalog();
      await refresh();
    }
  };

  if (stage === "pay")
    return <PayScreen totalMinor={cart?.totalMinor ?? 0} onResult={(r) => void charged(r)} onCancel={() => setStage("cart")} />;
  if (typeof stage === "object")
    return <ResultScreen result={stage.result} onDone={() => setStage("cart")} onRetry={() => setStage("pay")} />;

  return (
    <div className="sell" data-screen="sell">
      {closed && (
        <p className="closed-banner" role="status" data-testid="sell-closed">
          {words.sellClosed}
        </p>
      )}
      <section className="catalog">
        <div className="filters">
          <input
            type="search"
            placeholder={words.search}
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            aria-label={words.search}
            data-testid="search"
          />
          <div className="chips">
            <button type="button" className={category === undefined ? "chip active" : "chip"} onClick={() => setCategory(undefined)}>
              {words.all}
            </button>
            {categories.map((name) => (
              <button
                key={name}
                type="button"
                className={category === name ? "chip active" : "chip"}
                onClick={() => setCategory(name)}
                data-category={name}
              >
                {words.categories[name] ?? name}
              </button>
            ))}
          </div>
        </div>
        <div className="items">
          {shown.map((item) => {
            const left = item.stockLeft - inCart(item.sku);
            return (
              <button
                key={item.sku}
                type="button"
                className="item"
                disabled={left <= 0 || closed}
                onClick={() => void change(() => api["cart/add"]({ sku: item.sku }))}
                data-sku={item.sku}
              >
                <span className="name">{language === "zh" ? item.nameZh : item.nameEn}</span>
                <span className="sub">{language === "zh" ? item.nameEn : item.nameZh}</span>
                <span className="price">{amount(item.priceMinor, currency, language)}</span>
                <span className={left <= 0 ? "stock out" : "stock"}>{left <= 0 ? words.soldOut : words.left(left)}</span>
              </button>
            );
          })}
        </div>
      </section>
      <aside className="cart" aria-label={words.cart}>
        <h2>{words.cart}</h2>
        {cart === undefined || cart.lines.length === 0 ? (
          <p className="help">{words.cartEmpty}</p>
        ) : (
          <ul>
            {cart.lines.map((line) => (
              <li key={line.sku} data-cart-line={line.sku}>
                <span className="name">{language === "zh" ? line.nameZh : line.nameEn}</span>
                <span className="quantity">
                  <button
                    type="button"
                    aria-label="−"
                    onClick={() => void change(() => api["cart/set"]({ sku: line.sku, quantity: line.quantity - 1 }))}
                  >
                    −
                  </button>
                  <span data-testid="quantity">{line.quantity}</span>
                  <button type="button" aria-label="+" onClick={() => void change(() => api["cart/add"]({ sku: line.sku }))}>
                    +
                  </button>
                </span>
                <span className="price">{amount(line.unitPriceMinor * line.quantity, currency, language)}</span>
              </li>
            ))}
          </ul>
        )}
        {/* Total and Charge stay in view however long the cart is (they never scroll away). */}
        <div className="checkout">
          <div className="total">
            <span>{words.total}</span>
            <strong data-testid="cart-total">{amount(cart?.totalMinor ?? 0, currency, language)}</strong>
          </div>
          <button
            type="button"
            className="primary charge"
            disabled={cart === undefined || cart.lines.length === 0 || closed}
            onClick={() => setStage("pay")}
            data-testid="charge"
          >
            {closed ? words.serviceClosed : words.charge}
          </button>
        </div>
      </aside>
    </div>
  );
}
