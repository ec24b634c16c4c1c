/** Flights: manifests loaded (one, every assigned leg, or a rotation's file), the catalog, the next leg. */
import { flightKey, parseRotationBundle } from "@cabinpay/shared";
import { eq } from "drizzle-orm";
import { stock } from "../db/schema.js";
import { TerminalError } from "../errors.js";
import { nextLegOf } from "../flight/legs.js";
import { loadFlight, manifestFlightKey } from "../flight/load.js";
import type { Handlers } from "./handler.js";

export const flightHandlers = {
  async "manifest/download"(session, { carrier, number, date, trolleyId }) {
    const client = session.client();
    const bytes = await client.manifest(await client.flightId({ carrier, number, date }));
    return session.opened(loadFlight(session.db, { manifestBytes: bytes, trolleyId, nowMs: session.now() }));
  },
  async "manifest/import"(session, { manifestBase64, trolleyId }) {
    const manifestBytes = new Uint8Array(Buffer.from(manifestBase64, "base64"));
    return session.opened(loadFlight(session.db, { manifestBytes, trolleyId, nowMs: session.now() }));
  },
  async "manifest/load-assigned"(session) {
    const client = session.client();
    const assignments = (await client.assignments()).filter((a) => a.trolleyId !== null);
    if (assignments.length === 0)
      throw new TerminalError(
        "not_assigned",
        "ops have not put this terminal on a trolley of any flight yet: ask them to, then load again",
      );
    session.refuseWhileUnsent(
      "load the new flights",
      assignments.map((a) => flightKey(a)),
    );
    const manifests = [];
    for (const assignment of assignments)
      manifests.push({ bytes: await client.manifest(assignment.flightId), trolleyId: assignment.trolleyId! });
    return session.loadedAll(manifests);
  },
  async "manifest/import-rotation"(session, { bundleText, trolleyId }) {
    const bundle = parseRotationBundle(bundleText);
    if (!bundle.ok) throw new TerminalError("manifest_rejected", bundle.detail);
    session.refuseWhileUnsent(
      "load the new rotation",
      bundle.manifests.map((bytes) => manifestFlightKey(session.db, bytes)),
    );
    return session.loadedAll(bundle.manifests.map((bytes) => ({ bytes, trolleyId })));
  },
  async "catalog/list"(session) {
    const loaded = session.current();
    const rows = session.db
      .select({ sku: stock.sku, quantity: stock.quantity })
      .from(stock)
      .where(eq(stock.flightKey, loaded.flightKey))
      .all();
    const left = new Map(rows.map((row) => [row.sku, row.quantity]));
    return loaded.manifest.catalog.map(({ sku, category, nameEn, nameZh, priceMinor }) => ({
      sku,
      category,
      nameEn,
      nameZh,
      priceMinor,
      stockLeft: left.get(sku) ?? 0,
    }));
  },
  async "service/open-next"(session, { sealNumber }) {
    const next = nextLegOf(session.db, session.current());
    if (next === undefined) throw new TerminalError("no_next_leg", "this is the last leg loaded on this terminal");
    return session.opened(next, sealNumber);
  },
} satisfies Handlers<
  "manifest/download" | "manifest/import" | "manifest/load-assigned" | "manifest/import-rotation" | "catalog/list" | "service/open-next"
>;
