/**
 * The web pages (browser): for passengers today; finance and ops pages come next. Which page
 * shows follows the path.
 */
import { PassengerArea } from "./passenger/PassengerArea.js";
import { Link, usePath } from "./router.js";

export function App() {
  const path = usePath();
  if (path.startsWith("/app/passenger")) return <PassengerArea path={path} />;
  return (
    <main className="page narrow">
      <h1>CabinPay</h1>
      <p>Pay for duty-free, meals and drinks on your flight, with no connection on board.</p>
      <Link to="/app/passenger" className="button primary">
        I am a passenger
      </Link>
    </main>
  );
}
