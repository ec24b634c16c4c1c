/** Schema pieces of the HTTP API shared by the route modules and the DTOs (TypeBox only: the web pages import their types). */
import { WireCodePolicy, WireReversalReason, WireSpendPolicy, WireTimeMs, WireTrolleyId, WireUuid } from "@cabinpay/shared/wire";
import { Type } from "typebox";

/** The wire's own (shared/wire): a terminal and the ground read them alike. */
export const Uuid = WireUuid;
export const TimeMs = WireTimeMs;
export const TrolleyId = WireTrolleyId;
export const Reason = WireReversalReason;
export const CodePolicy = WireCodePolicy;
export const SpendPolicy = WireSpendPolicy;
export const Currency = Type.String({ pattern: "^[A-Z]{3}$", description: "ISO 4217 code" });
export const AmountMinor = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: "integer minor units" });
export const FlightIdParams = Type.Object({ flightId: Uuid }, { additionalProperties: false });
/** What finance writes when it acts on an item: why, for the audit trail. */
export const NoteBody = Type.Object({ note: Type.String({ minLength: 3, maxLength: 500 }) }, { additionalProperties: false });
export const NoContent = Type.Null({ description: "no content" });
export { PASSWORD_LENGTH } from "./password.js";
export const Email = Type.String({ format: "email", minLength: 3, maxLength: 254 });
