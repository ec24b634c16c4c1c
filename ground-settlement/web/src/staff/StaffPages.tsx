/**
 * The staff pages by path (browser): operations and finance, behind the staff log-in. Loaded only
 * when a staff path is opened, so a passenger's phone at the gate never downloads them.
 */
import { AttentionPage } from "../finance/AttentionPage.js";
import { FlightPage } from "../finance/FlightPage.js";
import { FlightsPage } from "../finance/FlightsPage.js";
import { OpsFlight, OpsHome } from "../ops/OpsPages.js";
import { StaffArea } from "./StaffArea.js";

export default function StaffPages({ path }: { path: string }) {
  if (path.startsWith("/app/ops")) {
    const flightId = /^\/app\/ops\/flights\/([0-9a-f-]{36})$/.exec(path)?.[1];
    return <StaffArea staffRole="ops">{flightId === undefined ? <OpsHome /> : <OpsFlight flightId={flightId} />}</StaffArea>;
  }
  const flightId = /^\/app\/finance\/flights\/([0-9a-f-]{36})$/.exec(path)?.[1];
  const page =
    flightId !== undefined ? <FlightPage flightId={flightId} /> : path === "/app/finance/attention" ? <AttentionPage /> : <FlightsPage />;
  return <StaffArea staffRole="finance">{page}</StaffArea>;
}
