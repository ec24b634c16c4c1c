/**
 * The one rule for text that people type and systems store (names, e-mails, notes, catalog cells,
 * crew names, enrolment code names): no control characters (C0, DEL, C1: a NUL would reach
 * PostgreSQL, which refuses it, and a newline breaks CSV exports and logs), no lone surrogates
 * (they are not text and cannot be encoded as UTF-8), and Unicode NFC, so one name is always one
 * byte string (a composed "é" and "e" + combining accent would otherwise be two people).
 */

/** Unicode's Cc: the C0 controls (including NUL, tab and newlines), DEL and the C1 controls. */
const CONTROL_CHARACTER = /\p{Cc}/u;
/** A high surrogate not followed by a low one, or a low one not preceded by a high one (no `u` flag: code units). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export type TextProblem = "control_character" | "not_well_formed";

/** Why a text breaks the rule, or undefined if it keeps it (normalisation aside: see `normalizeText`). */
export function textProblem(value: string): TextProblem | undefined {
  if (LONE_SURROGATE.test(value)) return "not_well_formed";
  if (CONTROL_CHARACTER.test(value)) return "control_character";
  return undefined;
}

/** The stored form of a text that keeps the rule. */
export function normalizeText(value: string): string {
  return value.normalize("NFC");
}

/** What a person reads when a text breaks the rule. */
export function describeTextProblem(problem: TextProblem): string {
  return problem === "control_character"
    ? "must not contain control characters (such as NUL, tab or line breaks)"
    : "is not valid Unicode text";
}
