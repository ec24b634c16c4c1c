/** The header of every signed-in page (browser): the brand, who is signed in, the language, log out. */
import type { ReactNode } from "react";
import { LanguageSwitch, useI18n } from "../i18n/language.js";
import { Link } from "../router.js";

export function TopBar({ home, title, who, onLogOut }: { home: string; title: ReactNode; who?: string; onLogOut: () => void }) {
  const { t } = useI18n();
  return (
    <header className="topbar">
      <Link to={home} className="brand">
        {title}
      </Link>
      {who !== undefined && <span className="who">{who}</span>}
      <LanguageSwitch />
      <button type="button" className="link" onClick={onLogOut}>
        {t.logOut}
      </button>
    </header>
  );
}
