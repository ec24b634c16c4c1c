/**
 * Ops add money to a passenger's account (browser): found by e-mail, the amount parsed by the
 * shared money parser, a confirm step naming who gets what, and one transfer id per confirmed
 * top-up so a retried click never adds the money twice.
 */
import { parseAmount } from "@cabinpay/shared";
import { type FormEvent, useState } from "react";
import { api } from "../api.js";
import { describeError } from "../i18n/errors.js";
import { useI18n } from "../i18n/language.js";

interface Account {
  readonly passengerId: string;
  readonly displayName: string;
  readonly wallets: readonly { currency: string; availableMinor: number }[];
}

type Step =
  | { kind: "form" }
  | { kind: "confirm"; account: Account; amountMinor: number; transferId: string }
  | { kind: "done"; text: string };

export function TopUp() {
  const { t, amount } = useI18n();
  const [form, setForm] = useState({ email: "", amount: "", currency: "CNY" });
  const [step, setStep] = useState<Step>({ kind: "form" });
  const [problem, setProblem] = useState<{ error: unknown } | { text: string } | undefined>();
  const review = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(undefined);
    const parsed = parseAmount(form.amount, form.currency);
    if (!parsed.ok || parsed.amountMinor === 0) {
      setProblem({ text: t.ops.topUp.badAmount });
      return;
    }
    try {
      const account = await api<Account>("GET", `/ops/passengers?${new URLSearchParams({ email: form.email.trim() })}`);
      setStep({ kind: "confirm", account, amountMinor: parsed.amountMinor, transferId: crypto.randomUUID() });
    } catch (error) {
      setProblem({ error });
    }
  };
  const confirm = async (account: Account, amountMinor: number, transferId: string) => {
    try {
      const funded = await api<{ wallet: { availableMinor: number } }>("POST", "/ops/wallets/fund", {
        transferId,
        passengerId: account.passengerId,
        currency: form.currency,
        amountMinor,
      });
      setStep({ kind: "done", text: t.ops.topUp.done(account.displayName, amount(funded.wallet.availableMinor, form.currency)) });
      setForm({ ...form, email: "", amount: "" });
    } catch (error) {
      setProblem({ error });
    }
  };
  return (
    <section className="card" data-testid="top-up">
      <h2>{t.ops.topUp.title}</h2>
      <p className="muted">{t.ops.topUp.help}</p>
      <form className="form" onSubmit={(event) => void review(event)} data-form="top-up">
        <div className="grid">
          <label>
            {t.ops.topUp.email}
            <input
              name="topUpEmail"
              type="email"
              value={form.email}
              onChange={(e) => setForm({ ...form, email: e.target.value })}
              required
            />
          </label>
          <label>
            {t.ops.topUp.amount(form.currency)}
            <input
              name="topUpAmount"
              inputMode="decimal"
              value={form.amount}
              onChange={(e) => setForm({ ...form, amount: e.target.value })}
              required
            />
          </label>
        </div>
        {step.kind !== "confirm" && <button type="submit">{t.ops.topUp.review}</button>}
      </form>
      {step.kind === "confirm" && (
        <div className="confirm" data-testid="top-up-confirm">
          <p>{t.ops.topUp.confirmText(amount(step.amountMinor, form.currency), step.account.displayName)}</p>
          <div className="actions">
            <button type="button" className="primary" onClick={() => void confirm(step.account, step.amountMinor, step.transferId)}>
              {t.ops.topUp.confirm}
            </button>
            <button type="button" onClick={() => setStep({ kind: "form" })}>
              {t.register.change}
            </button>
          </div>
        </div>
      )}
      {step.kind === "done" && <p data-testid="top-up-done">{step.text}</p>}
      {problem !== undefined && (
        <p className="message" role="alert">
          {"text" in problem ? problem.text : describeError(problem.error, t)}
        </p>
      )}
    </section>
  );
}
