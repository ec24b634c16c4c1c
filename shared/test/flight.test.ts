import { dateToDays, daysToDate, flightKey, isValidFlight, parseFlightDesignator } from "@cabinpay/shared";
import { describe, expect, it } from "vitest";

describe("flights", () => {
  it("normalizes typed designators", () => {
    expect(parseFlightDesignator("9C8850")).toEqual({ carrier: "9C", number: "8850" });
    expect(parseFlightDesignator(" 9c 08850 ")).toEqual({ carrier: "9C", number: "8850" });
    expect(parseFlightDesignator("MU5101")).toEqual({ carrier: "MU", number: "5101" });
    expect(parseFlightDesignator("CCA981")).toEqual({ carrier: "CCA", number: "981" });
    expect(parseFlightDesignator("9C12A")).toEqual({ carrier: "9C", number: "12A" });
    expect(parseFlightDesignator("9C")).toBeUndefined();
    expect(parseFlightDesignator("9C12345")).toBeUndefined();
  });

  it("accepts real calendar dates only", () => {
    expect(dateToDays("1970-01-01")).toBeUndefined();
    expect(dateToDays("2026-12-01")).toBe(20_788);
    expect(daysToDate(20_788)).toBe("2026-12-01");
    expect(dateToDays("2028-02-29")).toBeDefined();
    expect(dateToDays("2026-02-29")).toBeUndefined();
    expect(dateToDays("2026-13-01")).toBeUndefined();
    expect(dateToDays("2026-1-01")).toBeUndefined();
  });

  it("validates whole flights and keys them", () => {
    const flight = { carrier: "9C", number: "8850", date: "2026-12-01" };
    expect(isValidFlight(flight)).toBe(true);
    expect(isValidFlight({ ...flight, number: "08850" })).toBe(false);
    expect(isValidFlight({ ...flight, carrier: "9C1" })).toBe(false);
    expect(flightKey(flight)).toBe("9C8850/2026-12-01");
  });
});
