import {
  CARRIER_PATTERN_TEXT,
  dateToDays,
  daysToDate,
  FLIGHT_NUMBER_PATTERN_TEXT,
  flightKey,
  isValidCarrier,
  isValidFlight,
  isValidFlightNumber,
  parseFlightDesignator,
  parseFlightKey,
} from "@cabinpay/shared";
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

describe("one carrier and flight-number rule", () => {
  it("is the same as text for JSON Schemas and as the checks here: IATA or ICAO, never 9C8", () => {
    const carrier = new RegExp(CARRIER_PATTERN_TEXT);
    const number = new RegExp(FLIGHT_NUMBER_PATTERN_TEXT);
    for (const code of ["9C", "MU", "CCA", "CSH", "9C8", "C", "CC1", "mu"]) expect(carrier.test(code)).toBe(isValidCarrier(code));
    expect(isValidCarrier("CCA")).toBe(true);
    expect(isValidCarrier("9C8")).toBe(false);
    for (const n of ["8850", "12A", "0850", "12345", "1"]) expect(number.test(n)).toBe(isValidFlightNumber(n));
  });

  it("reads a flight key back, for IATA and ICAO carriers alike", () => {
    expect(parseFlightKey("9C8850/2026-12-01")).toEqual({ carrier: "9C", number: "8850", date: "2026-12-01" });
    expect(parseFlightKey("CCA1301/2026-12-01")).toEqual({ carrier: "CCA", number: "1301", date: "2026-12-01" });
    expect(parseFlightKey("9C8850/2026-02-30")).toBeUndefined();
    expect(parseFlightKey("9C88500/2026-12-01")).toBeUndefined();
    expect(flightKey(parseFlightKey("MU5101/2026-12-01")!)).toBe("MU5101/2026-12-01");
  });
});
