/**
 * The time zone of an airport, so that a flight's departure reads in the origin's local time on
 * every page and screen, whatever the viewer's own clock says (a flight dated 12/01 in Shanghai
 * is not shown as 11/30 11:25 PM to a browser in London). The airports this airline and its
 * neighbours fly; an airport not listed is shown in UTC, said so beside the time, never bare.
 */
const AIRPORT_TIME_ZONES: Readonly<Record<string, string>> = {
  // Mainland China: one zone for the whole country.
  PVG: "Asia/Shanghai",
  SHA: "Asia/Shanghai",
  PEK: "Asia/Shanghai",
  PKX: "Asia/Shanghai",
  CAN: "Asia/Shanghai",
  SZX: "Asia/Shanghai",
  CTU: "Asia/Shanghai",
  TFU: "Asia/Shanghai",
  CKG: "Asia/Shanghai",
  KMG: "Asia/Shanghai",
  XIY: "Asia/Shanghai",
  HGH: "Asia/Shanghai",
  NKG: "Asia/Shanghai",
  WUH: "Asia/Shanghai",
  CSX: "Asia/Shanghai",
  XMN: "Asia/Shanghai",
  TAO: "Asia/Shanghai",
  SYX: "Asia/Shanghai",
  HAK: "Asia/Shanghai",
  DLC: "Asia/Shanghai",
  SHE: "Asia/Shanghai",
  HRB: "Asia/Shanghai",
  TSN: "Asia/Shanghai",
  URC: "Asia/Shanghai",
  LHW: "Asia/Shanghai",
  // Hong Kong, Macau, Taiwan.
  HKG: "Asia/Hong_Kong",
  MFM: "Asia/Macau",
  TPE: "Asia/Taipei",
  // North-east and south-east Asia.
  NRT: "Asia/Tokyo",
  HND: "Asia/Tokyo",
  KIX: "Asia/Tokyo",
  NGO: "Asia/Tokyo",
  FUK: "Asia/Tokyo",
  CTS: "Asia/Tokyo",
  ICN: "Asia/Seoul",
  GMP: "Asia/Seoul",
  CJU: "Asia/Seoul",
  BKK: "Asia/Bangkok",
  DMK: "Asia/Bangkok",
  HKT: "Asia/Bangkok",
  CNX: "Asia/Bangkok",
  SIN: "Asia/Singapore",
  KUL: "Asia/Kuala_Lumpur",
  CGK: "Asia/Jakarta",
  DPS: "Asia/Makassar",
  MNL: "Asia/Manila",
  SGN: "Asia/Ho_Chi_Minh",
  HAN: "Asia/Ho_Chi_Minh",
  PNH: "Asia/Phnom_Penh",
};

/** The origin's IANA time zone, or undefined when the airport is not listed (show UTC, labelled). */
export function airportTimeZone(iataCode: string): string | undefined {
  return AIRPORT_TIME_ZONES[iataCode.toUpperCase()];
}
