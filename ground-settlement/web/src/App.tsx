/**
 * The web pages (browser): passengers, finance and operations. Which page shows follows the path.
 */
import { FlightPage } from "./finance/FlightPage.js";
import { FlightsPage } from "./finance/FlightsPage.js";
import { OpsFlight, OpsHome } from "./ops/OpsPages.js";
import { PassengerArea } from "./passenger/PassengerArea.js";
import { Link, usePath } from "./router.js";
import { StaffArea } from "./staff/StaffArea.js";

export function App() {
  const path = usePath();
  if (path.startsWith("/app/passenger")) return <PassengerArea path={path} />;
  if (path.startsWith("/app/ops")) {
    const flightId = /^\/app\/ops\/flights\/([0-9a-f-]{36})$/.exec(path)?.[1];
    return <StaffArea staffRole="ops">{flightId === undefined ? <OpsHome /> : <OpsFlight flightId={flightId} />}</StaffArea>;
  }
  if (path.startsWith("/app/finance")) {
    const flightId = /^\/app\/finance\/flights\/([0-9a-f-]{36})$/.exec(path)?.[1];
    return <StaffArea staffRole="finance">{flightId === undefined ? <FlightsPage /> : <FlightPage flightId={flightId} />}</StaffArea>;
  }
  return (
    <main className="page narrow">
      <h1>CabinPay</h1>
      <p>Pay for duty-free, meals and drinks on your flight, with no connection on board.</p>
      <Link to="/app/passenger" className="button primary">
        I am a passenger
      </Link>
      <Link to="/app/finance" className="button">
        Airline finance
      </Link>
      <Link to="/app/ops" className="button">
        Airline operations
      </Link>
    </main>
  );
}
