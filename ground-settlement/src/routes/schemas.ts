/** Schema pieces shared by the route modules. */
import { Type } from "typebox";

export const UUID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";
export const Uuid = Type.String({ pattern: UUID_PATTERN, description: "lowercase UUID" });
export const Currency = Type.String({ pattern: "^[A-Z]{3}$", description: "ISO 4217 code" });
export const AmountMinor = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: "integer minor units" });
export const TimeMs = Type.Integer({ minimum: 0, maximum: 253_402_300_799_000, description: "Unix milliseconds" });
export const FlightIdParams = Type.Object({ flightId: Uuid }, { additionalProperties: false });
export const NoContent = Type.Null({ description: "no content" });
export const Email = Type.String({ format: "email", minLength: 3, maxLength: 254 });
export const TrolleyId = Type.String({ pattern: "^[A-Za-z0-9_-]{1,16}$", description: "the trolley's code, such as A" });
