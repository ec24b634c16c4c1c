/**
 * What pays on board, on the ops flight page (browser): phones' live codes and printed vouchers, or
 * live codes only. The next manifest terminals load carries it; said on the page.
 */
import type { CodePolicy as Policy } from "@cabinpay/shared";
import { useState } from "react";
import { api } from "../api.js";
import { describeError } from "../i18n/errors.js";
import { useI18n } from "../i18n/language.js";

const POLICIES: readonly Policy[] = ["printed_accepted", "codes_only"];

export function CodePolicy({ flightId, current }: { flightId: string; current: Policy }) {
  const { t } = useI18n();
  const [policy, setPolicy] = useState<Policy>(current);
  const [saved, setSaved] = useState(false);
  const [problem, setProblem] = useState<unknown>();
  const save = async (next: Policy) => {
    setPolicy(next);
    try {
      await api("PUT", `/ops/flights/${flightId}/code-policy`, { codePolicy: next });
      setSaved(true);
      setProblem(undefined);
    } catch (error) {
      setProblem(error);
      setPolicy(policy);
    }
  };
  return (
    <section className="card" data-testid="code-policy">
      <h2>{t.ops.codePolicy.title}</h2>
      <fieldset className="form">
        <legend className="visually-hidden">{t.ops.codePolicy.title}</legend>
        {POLICIES.map((option) => (
          <label key={option} className="check">
            <input type="radio" name="codePolicy" value={option} checked={policy === option} onChange={() => void save(option)} />
            {t.ops.codePolicy.options[option]}
          </label>
        ))}
      </fieldset>
      <p className="muted">{saved ? t.ops.codePolicy.saved : t.ops.codePolicy.help}</p>
      {problem !== undefined && (
        <p className="message" role="alert">
          {describeError(problem, t)}
        </p>
      )}
    </section>
  );
}
