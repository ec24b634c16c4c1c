/**
 * The flight's policies on the ops flight page (browser), each carried by the next manifest
 * terminals load (said on the page): what pays on board (phones' live codes and printed vouchers,
 * or live codes only), and what a trolley may approve while it cannot hear the others (the cap,
 * or its share of what is left).
 */
import type { CodePolicy as Code, SpendPolicy as Spend } from "@cabinpay/shared";
import { useState } from "react";
import { api } from "../api.js";
import { describeError } from "../i18n/errors.js";
import { useI18n } from "../i18n/language.js";

export function CodePolicy({ flightId, current }: { flightId: string; current: Code }) {
  const { t } = useI18n();
  return (
    <PolicyChoice
      words={t.ops.codePolicy}
      options={["printed_accepted", "codes_only"]}
      current={current}
      save={(codePolicy) => api("PUT", `/ops/flights/${flightId}/code-policy`, { codePolicy })}
      testId="code-policy"
    />
  );
}

export function SpendPolicy({ flightId, current }: { flightId: string; current: Spend }) {
  const { t } = useI18n();
  return (
    <PolicyChoice
      words={t.ops.spendPolicy}
      options={["full", "share"]}
      current={current}
      save={(spendPolicy) => api("PUT", `/ops/flights/${flightId}/spend-policy`, { spendPolicy })}
      testId="spend-policy"
    />
  );
}

interface PolicyWords<P extends string> {
  readonly title: string;
  readonly options: Readonly<Record<P, string>>;
  readonly help: string;
  readonly saved: string;
}

function PolicyChoice<P extends string>(props: {
  words: PolicyWords<P>;
  options: readonly P[];
  current: P;
  save: (policy: P) => Promise<unknown>;
  testId: string;
}) {
  const { t } = useI18n();
  const { words } = props;
  const [policy, setPolicy] = useState<P>(props.current);
  const [saved, setSaved] = useState(false);
  const [problem, setProblem] = useState<unknown>();
  const save = async (next: P) => {
    setPolicy(next);
    try {
      await props.save(next);
      setSaved(true);
      setProblem(undefined);
    } catch (error) {
      setProblem(error);
      setPolicy(policy);
    }
  };
  return (
    <section className="card" data-testid={props.testId}>
      <h2>{words.title}</h2>
      <fieldset className="form">
        <legend className="visually-hidden">{words.title}</legend>
        {props.options.map((option) => (
          <label key={option} className="check">
            <input type="radio" name={props.testId} value={option} checked={policy === option} onChange={() => void save(option)} />
            {words.options[option]}
          </label>
        ))}
      </fieldset>
      <p className="muted">{saved ? words.saved : words.help}</p>
      {problem !== undefined && (
        <p className="message" role="alert">
          {describeError(problem, t)}
        </p>
      )}
    </section>
  );
}
