/**
 * The pages' language (browser): zh-Hans or English, following the browser's languages until the
 * person picks one, which is remembered on this device. Every page reads its words and formats
 * money, dates and times through `useI18n()`.
 */
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { en, type Words } from "./en.js";
import { type Formats, formatsFor } from "./format.js";
import { zh } from "./zh.js";

export type Language = "en" | "zh";

const WORDS: Record<Language, Words> = { en, zh };
const STORAGE_KEY = "cabinpay.language";
/** The `lang` attribute and Intl locale of each language. */
export const LOCALES: Record<Language, string> = { en: "en", zh: "zh-Hans-CN" };

export function detectLanguage(): Language {
  const stored = safeStorage()?.getItem(STORAGE_KEY);
  if (stored === "en" || stored === "zh") return stored;
  const preferred = navigator.languages?.length > 0 ? navigator.languages : [navigator.language];
  for (const tag of preferred) {
    const lower = tag.toLowerCase();
    if (lower.startsWith("zh")) return "zh";
    if (lower.startsWith("en")) return "en";
  }
  return "en";
}

function safeStorage(): Storage | undefined {
  try {
    return localStorage;
  } catch {
    return undefined; // storage turned off: the choice lasts for this page only
  }
}

export interface I18n extends Formats {
  readonly language: Language;
  readonly t: Words;
  readonly setLanguage: (language: Language) => void;
}

const I18nContext = createContext<I18n | undefined>(undefined);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(detectLanguage);
  const setLanguage = useCallback((next: Language) => {
    safeStorage()?.setItem(STORAGE_KEY, next);
    setLanguageState(next);
  }, []);
  useEffect(() => {
    document.documentElement.lang = LOCALES[language];
    document.title = WORDS[language].appName;
  }, [language]);
  const value = useMemo(() => ({ language, t: WORDS[language], setLanguage, ...formatsFor(LOCALES[language]) }), [language, setLanguage]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const i18n = useContext(I18nContext);
  if (i18n === undefined) throw new Error("useI18n outside I18nProvider");
  return i18n;
}

/** The button that switches to the other language, named in that language. */
export function LanguageSwitch({ className }: { className?: string }) {
  const { t, language, setLanguage } = useI18n();
  const other: Language = language === "en" ? "zh" : "en";
  return (
    <button
      type="button"
      className={className ?? "link"}
      lang={LOCALES[other]}
      aria-label={t.switchToLabel}
      onClick={() => setLanguage(other)}
      data-testid="language"
    >
      {t.switchTo}
    </button>
  );
}
