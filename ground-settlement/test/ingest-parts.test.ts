/** Two small parts of ingest a reader might doubt: the query sent early, and the bounded voucher cache. */
import { describe, expect, it } from "vitest";
import { sendNow } from "../src/services/ingest-store.js";
import { GoodVouchers } from "../src/services/ingest-vouchers.js";

describe("sendNow", () => {
  it("starts a lazy query before the caller's next step, which a plain promise of it would not", async () => {
    const started: string[] = [];
    const lazy = (name: string): PromiseLike<string> => ({
      // biome-ignore lint/suspicious/noThenProperty: a lazy thenable is exactly what drizzle's queries are
      then(resolve, reject) {
        started.push(name);
        return Promise.resolve(name).then(resolve, reject);
      },
    });
    const early = sendNow(lazy("sent now"));
    const late = Promise.resolve().then(() => lazy("awaited later"));
    started.push("caller checks signatures");
    expect(started).toEqual(["sent now", "caller checks signatures"]);
    expect(await early).toBe("sent now");
    expect(await await late).toBe("awaited later");
  });
});

describe("the good-voucher cache of one ingest service", () => {
  it("keeps at most its bound, dropping the oldest first", () => {
    const good = new GoodVouchers(3);
    const voucher = {} as never;
    for (const key of ["a", "b", "c", "d"]) good.remember(key, voucher);
    expect(good.size).toBe(3);
    expect(good.get("a")).toBeUndefined();
    expect(good.get("d")).toBe(voucher);
  });

  it("is the service's own: a second service starts empty", () => {
    const first = new GoodVouchers();
    first.remember("a", {} as never);
    expect(new GoodVouchers().get("a")).toBeUndefined();
  });
});
