/** The cart of the sale being rung up: items of this flight's catalog only. */
import type { Handlers } from "./handler.js";

export const cartHandlers = {
  async "cart/add"(session, { sku, quantity }) {
    session.knownSku(sku);
    session.cart.add(sku, quantity ?? 1);
    return session.cartView();
  },
  async "cart/remove"(session, { sku }) {
    session.cart.remove(sku);
    return session.cartView();
  },
  async "cart/set"(session, { sku, quantity }) {
    session.knownSku(sku);
    session.cart.setQuantity(sku, quantity);
    return session.cartView();
  },
  async "cart/clear"(session) {
    session.cart.clear();
    return session.cartView();
  },
} satisfies Handlers<"cart/add" | "cart/remove" | "cart/set" | "cart/clear">;
