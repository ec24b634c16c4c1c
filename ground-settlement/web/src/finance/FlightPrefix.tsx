/** In a list across every flight, an item's flight as a link to its page, then " · " (browser). */
import { Link } from "../router.js";

export function FlightPrefix({
  shown,
  flight,
}: {
  shown: boolean;
  flight: { flightId: string; carrier: string; number: string; date: string };
}) {
  if (!shown) return null;
  return (
    <>
      <Link to={`/app/finance/flights/${flight.flightId}`}>
        {flight.carrier}
        {flight.number} {flight.date}
      </Link>{" "}
      ·{" "}
    </>
  );
}
