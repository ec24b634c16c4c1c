/**
 * The JSON envelopes of the terminal's calls to the ground (`/terminals/enrol`, `/terminal/*`), as
 * TypeBox schemas with the types derived from them. The ground's routes declare these as their
 * bodies and answers; the terminal's ground client checks every answer against them before use.
 * The bytes inside (batches, manifests, signatures) are shared's binary formats.
 */
import { type Static, Type } from "typebox";
import { Value } from "typebox/value";
import { CARRIER_PATTERN_TEXT, FLIGHT_NUMBER_PATTERN_TEXT } from "../flight.js";
import { LIMITS } from "../limits.js";
import { CODE_POLICIES } from "../manifest/manifest.js";
import { REVERSAL_REASONS } from "../record/reason.js";
import { SPEND_POLICIES } from "../sync/policy.js";

const UUID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";
export const WireUuid = Type.String({ pattern: UUID_PATTERN, description: "lowercase UUID" });
export const WireBase64Url = Type.String({ pattern: "^[A-Za-z0-9_-]+$" });
export const WireTimeMs = Type.Integer({ minimum: 0, maximum: 253_402_300_799_000, description: "Unix milliseconds" });
export const WireTrolleyId = Type.String({ pattern: "^[A-Za-z0-9_-]{1,16}$", description: "the trolley's code, such as A" });
/** A device certificate, base64url: at most 256 bytes (a 64-byte name and two keys' worth). */
export const WireCertificate = Type.String({ pattern: "^[A-Za-z0-9_-]+$", maxLength: 344 });
/** Why a sale was voided or refunded, as the record signs it. */
export const WireReversalReason = Type.Enum(REVERSAL_REASONS);
/** What pays on a flight: printed vouchers too, or phones' live codes only (manifest v4). */
export const WireCodePolicy = Type.Enum(CODE_POLICIES);
/** What a trolley may approve while it cannot hear the others: the cap (`full`) or its share (manifest v5). */
export const WireSpendPolicy = Type.Enum(SPEND_POLICIES);
/** A trolley seal's number as printed: capital letters, digits and dashes. */
export const WireSeal = Type.String({ pattern: "^[A-Z0-9][A-Z0-9-]{2,19}$" });

export const Assignment = Type.Object({
  flightId: WireUuid,
  carrier: Type.String({ pattern: CARRIER_PATTERN_TEXT }),
  number: Type.String({ pattern: FLIGHT_NUMBER_PATTERN_TEXT }),
  date: Type.String(),
  origin: Type.String(),
  destination: Type.String(),
  departureAtMs: WireTimeMs,
  /** Null for an assignment made before the ground tracked trolleys. */
  trolleyId: Type.Union([Type.String(), Type.Null()]),
  rotation: Type.Union([Type.Object({ rotationId: WireUuid, aircraft: Type.String(), legNumber: Type.Integer() }), Type.Null()]),
});
export type Assignment = Static<typeof Assignment>;

export const EnrolRequest = Type.Object(
  { code: Type.String({ minLength: 12, maxLength: 20 }), publicKey: WireBase64Url },
  { additionalProperties: false },
);
export type EnrolRequest = Static<typeof EnrolRequest>;

export const EnrolAnswer = Type.Object({
  terminalId: WireUuid,
  name: Type.String(),
  manifestPublicKey: WireBase64Url,
  manifestKeyId: Type.String(),
  trustedIssuerKeys: Type.Array(WireBase64Url),
  flightIds: Type.Array(WireUuid),
  trolleyId: Type.Union([Type.String(), Type.Null()]),
  /** What to load, so the load screen needs nothing typed. */
  assignments: Type.Array(Assignment),
  /** The ground's certificate of this terminal's key (docs/protocol.md): receipts carry it. */
  deviceCertificate: Type.Optional(WireCertificate),
});
export type EnrolAnswer = Static<typeof EnrolAnswer>;

export const AssignmentsAnswer = Type.Object({
  assignments: Type.Array(Assignment),
  /** A fresh certificate of this terminal's key, so the one it holds never runs out. */
  deviceCertificate: Type.Optional(WireCertificate),
});
export type AssignmentsAnswer = Static<typeof AssignmentsAnswer>;

/** Where the ground's copy of a terminal's chain stands after an upload. */
export const ChainProgress = Type.Object({ nextSequence: Type.Integer({ minimum: 1 }), serviceClosed: Type.Boolean() });
/** …and before one, with the hash of the last record held (hex; zeros before the first): the terminal compares its own. */
export const ChainAnswer = Type.Object({ ...ChainProgress.properties, headHash: Type.String({ pattern: "^[0-9a-f]{64}$" }) });
export type ChainAnswer = Static<typeof ChainAnswer>;

export const RecordOutcome = Type.Object({
  sequence: Type.Integer(),
  recordId: WireUuid,
  outcome: Type.Union([Type.Literal("accepted"), Type.Literal("duplicate"), Type.Literal("rejected")]),
  reason: Type.Optional(Type.String()),
});
export const UploadAnswer = Type.Object({ records: Type.Array(RecordOutcome), ...ChainProgress.properties });
export type UploadAnswer = Static<typeof UploadAnswer>;

export const HandoverRequest = Type.Object(
  {
    trolleyId: WireTrolleyId,
    sealAtOpen: Type.Union([WireSeal, Type.Null()]),
    sealAtClose: Type.Union([WireSeal, Type.Null()]),
    stockLeft: Type.Array(
      Type.Object(
        {
          sku: Type.String({ minLength: 1, maxLength: LIMITS.skuBytesMax }),
          quantity: Type.Integer({ minimum: 0, maximum: LIMITS.stockPerTrolleyMax }),
        },
        { additionalProperties: false },
      ),
      { maxItems: LIMITS.manifestCatalogItemsMax },
    ),
  },
  { additionalProperties: false },
);
export type HandoverRequest = Static<typeof HandoverRequest>;

/** A spend snapshot of 2,000 vouchers is about 80 KB: base64url of it. */
export const SPEND_SNAPSHOT_CHARS_MAX = 120_000;
/** One terminal's own spend snapshot and those it heard: more than the trolleys of any cabin. */
export const SPEND_SNAPSHOTS_MAX = 16;
/** Cabin sync's signed spend snapshots (`sync/spend-state.ts`), base64url: between terminals, and down to the ground. */
export const WireSpendSnapshots = Type.Array(
  Type.String({ minLength: 1, maxLength: SPEND_SNAPSHOT_CHARS_MAX, pattern: "^[A-Za-z0-9_-]+$" }),
  { maxItems: SPEND_SNAPSHOTS_MAX },
);
/** After an upload: the flight's spend snapshots the terminal holds (its own and those it heard in the cabin). */
export const CabinCountersRequest = Type.Object({ snapshots: WireSpendSnapshots }, { additionalProperties: false });
export type CabinCountersRequest = Static<typeof CabinCountersRequest>;
/** What became of each: `kept`, `older` than one the ground holds, or why it was refused. */
export const CabinCountersAnswer = Type.Object({ verdicts: Type.Array(Type.String({ maxLength: 32 })) });
export type CabinCountersAnswer = Static<typeof CabinCountersAnswer>;

/** What the terminal reads of a flight lookup (`GET /flights`): the ground's id. */
export const FlightLookupAnswer = Type.Object({ flights: Type.Array(Type.Object({ flightId: WireUuid })) });
export type FlightLookupAnswer = Static<typeof FlightLookupAnswer>;

/**
 * What a terminal reads of an error answer: the code it acts on. The ground always sends a message
 * and a request id too; a proxy in between may not, and its code is still read.
 */
export const ErrorAnswer = Type.Object({
  code: Type.String({ description: "Stable error code from the catalogue" }),
  message: Type.Optional(Type.String()),
  requestId: Type.Optional(Type.String()),
  details: Type.Optional(Type.Unknown()),
});
export type ErrorAnswer = Static<typeof ErrorAnswer>;

/** The details of a `sequence_gap` refusal: where the ground expects the terminal to resume. */
export const SequenceGapDetails = Type.Object({ nextSequence: Type.Integer({ minimum: 1 }) });
/** The details of a `bad_request_signature` refusal for the time: the ground's clock. */
export const ClockDetails = Type.Object({ serverTimeMs: WireTimeMs });

/** An error body or details in their envelope, or undefined when the ground answered otherwise. */
export function checkedOrUndefined<S extends typeof ErrorAnswer | typeof SequenceGapDetails | typeof ClockDetails>(
  schema: S,
  value: unknown,
): Static<S> | undefined {
  return Value.Check(schema, value) ? (value as Static<S>) : undefined;
}

/** An answer checked against its envelope: the value as its type, or where it differs. */
export function checkAnswer<
  S extends
    | typeof EnrolAnswer
    | typeof AssignmentsAnswer
    | typeof ChainAnswer
    | typeof UploadAnswer
    | typeof FlightLookupAnswer
    | typeof CabinCountersAnswer,
>(schema: S, value: unknown): { readonly ok: true; readonly value: Static<S> } | { readonly ok: false; readonly detail: string } {
  if (Value.Check(schema, value)) return { ok: true, value: value as Static<S> };
  const first = [...Value.Errors(schema, value)][0];
  return { ok: false, detail: first === undefined ? "not the expected shape" : `${first.instancePath || "/"} ${first.message}` };
}
