/** The passenger's pages (browser): log in or sign up, then wallet, vouchers, registration, statement. */
import { useCallback, useEffect, useState } from "react";
import { errorText } from "../api.js";
import { Link, navigate } from "../router.js";
import { AccountForm } from "./AccountForm.js";
import { Home } from "./Home.js";
import { RegisterPage } from "./RegisterPage.js";
import { StatementPage } from "./StatementPage.js";
import { currentPassenger, logOut, type Me } from "./session.js";
import { VoucherPage } from "./VoucherPage.js";

export function PassengerArea({ path }: { path: string }) {
  const [me, setMe] = useState<Me | undefined | "loading">("loading");
  const [problem, setProblem] = useState<string | undefined>();
  const reload = useCallback(async () => {
    try {
      setMe(await currentPassenger());
    } catch (error) {
      setProblem(errorText(error));
      setMe(undefined);
    }
  }, []);
  useEffect(() => {
    void reload();
  }, [reload]);

  if (me === "loading") return <main className="page">…</main>;
  if (me === undefined) return <AccountForm onDone={() => void reload()} problem={problem} />;
  const voucher = /^\/app\/passenger\/vouchers\/([0-9a-f-]{36})$/.exec(path)?.[1];
  return (
    <div className="passenger">
      <header className="bar">
        <Link to="/app/passenger" className="brand">
          CabinPay
        </Link>
        <span>{me.displayName}</span>
        <button
          type="button"
          className="link"
          onClick={() =>
            void logOut()
              .then(() => navigate("/app/passenger"))
              .then(reload)
          }
        >
          Log out
        </button>
      </header>
      {voucher !== undefined ? (
        <VoucherPage registrationId={voucher} />
      ) : path === "/app/passenger/register" ? (
        <RegisterPage me={me} onRegistered={reload} />
      ) : path === "/app/passenger/statement" ? (
        <StatementPage />
      ) : (
        <Home me={me} />
      )}
    </div>
  );
}
