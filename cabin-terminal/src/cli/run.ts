/**
 * cabinpay-terminal: the terminal core from a shell, for ops and scripts (core process, plain
 * Node). Every command goes through the same `TerminalApi` as the crew UI. The CLI keeps no crew
 * session between commands, so a PIN never sits in a file: commands that act for crew take
 * `--crew` and `--pin` and log in first.
 *
 * Exit codes: 0 done · 1 refused or declined (the reason is printed) · 2 bad usage or input ·
 * 3 failed (ground unreachable, damaged database, …).
 */
import { readFileSync, statSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  formatMoney,
  isReversalReason,
  LIMITS,
  money,
  parseFlightKey,
  REVERSAL_REASONS,
  type ReversalReason,
  ROTATION_BUNDLE_CHARS_MAX,
} from "@cabinpay/shared";
import type { FlightSummary, TerminalApi } from "../api/contract.js";
import { isCallersFault } from "../api/fault.js";
import type { LoginResult } from "../api/results.js";
import { createTerminalCore } from "../core/api.js";
import { faultOf, TerminalError } from "../core/errors.js";

export const USAGE = `usage: cabinpay-terminal [--data-dir DIR] [--json] <command> [options]
  enrol   --ground URL --code CODE             enrol this terminal with the ground's one-time code
  load                                         download every flight and rotation leg ops assigned
                                               this terminal, each with its trolley
  load    --flight CARRIER+NUMBER/DATE --trolley ID
                                               download one flight's signed manifest
  load    --file FILE --trolley ID             import a manifest or rotation file (no network
                                               at the gate)
  login   --crew ID --pin PIN                  check a crew member's PIN
  sell    --crew ID --pin PIN --voucher TEXT SKU[:QTY]...
  void    --crew ID --pin PIN --record ID --reason R
                                               purser only
  refund  --crew ID --pin PIN --record ID --reason R SKU[:QTY]...
                                               purser only; R is one of
                                               ${REVERSAL_REASONS.join(", ")}
  sales                                        this flight's sales, with voids and refunds
  close   --crew ID --pin PIN [--seal N]       purser only: ends the service, prints the report
  next    [--seal N]                           after a close: open the rotation's next leg
  upload  [--batch-size N]                     after landing: send unsent records to the ground
  status                                       enrolment, flight, unsent records
  report                                       the service report (final once closed)
  purge   [--retention-days N]                 remove acknowledged records of closed services older
                                               than N days (default 7; also done at every start)
The data directory is --data-dir, else CABINPAY_TERMINAL_DIR, else .cabinpay/terminal.`;

export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly now?: () => number;
  readonly fetch?: typeof fetch;
}

export const EXIT = { ok: 0, refused: 1, usage: 2, failed: 3 } as const;

class UsageError extends Error {}

export async function runTerminalCli(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return EXIT.usage;
  }
  const { command, values, items } = parsed;
  if (command === undefined || values.help === true) {
    (command === undefined && values.help !== true ? io.err : io.out)(USAGE);
    return command === undefined && values.help !== true ? EXIT.usage : EXIT.ok;
  }
  const dataDir = values["data-dir"] ?? io.env["CABINPAY_TERMINAL_DIR"] ?? ".cabinpay/terminal";
  const print = (human: string, data: unknown) => io.out(values.json === true ? JSON.stringify(data) : human);
  let core: (TerminalApi & { close(): void }) | undefined;
  try {
    core = createTerminalCore({
      dataDir,
      ...(io.now === undefined ? {} : { now: io.now }),
      ...(io.fetch === undefined ? {} : { fetch: io.fetch }),
      onUploadProgress: ({ sentRecords, totalRecords }) => {
        if (values.json !== true) io.err(`uploaded ${sentRecords} of ${totalRecords} records`);
      },
    });
    return await dispatch(core, command, values, items, print);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n${USAGE}`);
      return EXIT.usage;
    }
    if (!(error instanceof TerminalError)) throw error;
    const fault = faultOf(error);
    io.err(`${fault.code}: ${fault.message}`);
    return isCallersFault(fault) ? EXIT.usage : EXIT.failed;
  } finally {
    core?.close();
  }
}

type Values = ReturnType<typeof parse>["values"];

function parse(argv: readonly string[]) {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      "data-dir": { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
      ground: { type: "string" },
      code: { type: "string" },
      flight: { type: "string" },
      file: { type: "string" },
      trolley: { type: "string" },
      seal: { type: "string" },
      crew: { type: "string" },
      pin: { type: "string" },
      voucher: { type: "string" },
      record: { type: "string" },
      reason: { type: "string" },
      "batch-size": { type: "string" },
      "retention-days": { type: "string" },
    },
  });
  const [command, ...items] = positionals;
  return { command, values, items };
}

async function dispatch(
  core: TerminalApi,
  command: string,
  values: Values,
  items: readonly string[],
  print: (human: string, data: unknown) => void,
): Promise<number> {
  const required = (name: keyof Values) => {
    const value = values[name];
    if (typeof value !== "string" || value === "") throw new UsageError(`${command} needs --${name}`);
    return value;
  };
  const reversalReason = (): ReversalReason => {
    const value = required("reason");
    if (!isReversalReason(value)) throw new UsageError(`--reason is one of ${REVERSAL_REASONS.join(", ")}`);
    return value;
  };
  const refused = (reason: string, detail: string, data: unknown) => {
    print(`refused: ${reason}: ${detail}`, data);
    return EXIT.refused;
  };
  const login = () => core["crew/login"]({ crewId: required("crew"), pin: required("pin") });
  const loginRefused = (result: Extract<LoginResult, { ok: false }>) =>
    refused(
      result.reason,
      result.reason === "wrong_pin"
        ? `wrong PIN, ${result.attemptsLeft} attempts left`
        : result.reason === "locked"
          ? `locked out until ${new Date(result.lockedUntilMs).toISOString()}`
          : "no such crew member on this flight",
      result,
    );
  /** Logs in for a command that acts for crew: undefined when in, else the exit code. */
  const asCrew = async () => {
    const result = await login();
    return result.ok ? undefined : loginRefused(result);
  };

  switch (command) {
    case "enrol": {
      const enrolled = await core["enrolment/enrol"]({ groundUrl: required("ground"), code: required("code") });
      print(`enrolled as ${enrolled.name} (${enrolled.terminalId})`, enrolled);
      return EXIT.ok;
    }
    case "load": {
      if (values.file === undefined && values.flight === undefined) {
        const loaded = await core["manifest/load-assigned"]({});
        print(loaded.flights.map(describeLoaded).join("\n"), loaded);
        return EXIT.ok;
      }
      const trolleyId = required("trolley");
      const file = values.file === undefined ? undefined : readLoadFile(values.file);
      if (file?.kind === "rotation") {
        const loaded = await core["manifest/import-rotation"]({ bundleText: file.text, trolleyId });
        print(loaded.flights.map(describeLoaded).join("\n"), loaded);
        return EXIT.ok;
      }
      const summary =
        file === undefined
          ? await core["manifest/download"]({ ...flightRef(required("flight")), trolleyId })
          : await core["manifest/import"]({ manifestBase64: file.base64, trolleyId });
      print(describeLoaded(summary), summary);
      return EXIT.ok;
    }
    case "next": {
      const summary = await core["service/open-next"](values.seal === undefined ? {} : { sealNumber: values.seal });
      print(`opened ${describeLoaded(summary)}`, summary);
      return EXIT.ok;
    }
    case "login": {
      const result = await login();
      if (!result.ok) return loginRefused(result);
      print(`${result.name} (${result.crewId}), ${result.role}`, result);
      return EXIT.ok;
    }
    case "sell": {
      const voucherText = required("voucher");
      const lines = cartItems(items);
      const refusedLogin = await asCrew();
      if (refusedLogin !== undefined) return refusedLogin;
      for (const { sku, quantity } of lines) await core["cart/add"]({ sku, quantity });
      const result = await core["sale/charge"]({ voucherText });
      if (!result.ok) return refused(result.reason, result.detail, result);
      const { receipt } = result;
      const amount = (minor: number) => formatMoney(money(minor, receipt.currency), "en");
      print(
        [
          `approved ${receipt.recordId} (#${receipt.sequence}): ${amount(receipt.totalMinor)}`,
          ...receipt.lines.map((line) => `  ${line.quantity} × ${line.nameEn} ${amount(line.unitPriceMinor)}`),
          `passenger ${receipt.passengerName}${receipt.seat === undefined ? "" : `, seat ${receipt.seat}`}; ${amount(receipt.remainingCapMinor)} left on the voucher`,
        ].join("\n"),
        result,
      );
      return EXIT.ok;
    }
    case "void": {
      const refusedLogin = await asCrew();
      if (refusedLogin !== undefined) return refusedLogin;
      const result = await core["sale/void"]({ recordId: required("record"), reason: reversalReason() });
      if (!result.ok) return refused(result.reason, result.detail, result);
      print(`voided: ${result.recordId}`, result);
      return EXIT.ok;
    }
    case "refund": {
      const lines = cartItems(items);
      const refusedLogin = await asCrew();
      if (refusedLogin !== undefined) return refusedLogin;
      const result = await core["sale/refund"]({ recordId: required("record"), reason: reversalReason(), lines });
      if (!result.ok) return refused(result.reason, result.detail, result);
      print(`refunded: ${result.recordId}, ${result.totalMinor} minor units`, result);
      return EXIT.ok;
    }
    case "sales": {
      const sales = await core["sale/list"]({});
      print(
        sales
          .map(
            (s) =>
              `#${s.sequence} ${s.recordId} ${s.crewId} ${s.totalMinor}${s.voided ? " voided" : ""}${s.refundedMinor > 0 ? ` refunded ${s.refundedMinor}` : ""}`,
          )
          .join("\n") || "no sales yet",
        sales,
      );
      return EXIT.ok;
    }
    case "close": {
      const refusedLogin = await asCrew();
      if (refusedLogin !== undefined) return refusedLogin;
      const result = await core["service/close"](values.seal === undefined ? {} : { sealNumber: values.seal });
      if (!result.ok) return refused(result.reason, result.detail, result);
      print(`service closed\n${JSON.stringify(result.report, null, 2)}`, result);
      return EXIT.ok;
    }
    case "upload": {
      const batchSize = values["batch-size"];
      const summary = await core["sync/upload"](batchSize === undefined ? {} : { batchSizeMax: wholeNumber(batchSize, "--batch-size") });
      print(
        `sent ${summary.sent}: ${summary.accepted} accepted, ${summary.duplicate} already held, ${summary.rejected.length} rejected; the ground expects #${summary.nextSequence} next${summary.serviceClosed ? "; service closed" : ""}`,
        summary,
      );
      return summary.rejected.length === 0 ? EXIT.ok : EXIT.refused;
    }
    case "status": {
      const status = await core["status/get"]({});
      print(
        [
          status.enrolled ? `terminal ${status.terminalId}` : "not enrolled",
          status.flight === undefined
            ? "no flight loaded"
            : `flight ${status.flight.flightKey}, trolley ${status.flight.trolleyId}${status.flight.serviceClosed ? ", service closed" : ""}`,
          `${status.unsentRecords} records not yet acknowledged by the ground`,
        ].join("\n"),
        status,
      );
      return EXIT.ok;
    }
    case "report": {
      const report = await core["service/report"]({});
      print(JSON.stringify(report, null, 2), report);
      return EXIT.ok;
    }
    case "purge": {
      const days = values["retention-days"];
      const result = await core["retention/purge"](days === undefined ? {} : { retentionDays: wholeNumber(days, "--retention-days") });
      print(
        result.flights.length === 0
          ? "nothing to purge: no closed service whose records were all acknowledged long enough ago"
          : `purged ${result.records} acknowledged records of ${result.flights.join(", ")}`,
        result,
      );
      return EXIT.ok;
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

/** "9C8850/2026-12-01" → carrier, number, date (the flight key the terminal shows). */
function flightRef(text: string): { carrier: string; number: string; date: string } {
  const flight = parseFlightKey(text);
  if (flight === undefined) throw new UsageError(`--flight is like 9C8850/2026-12-01, not ${JSON.stringify(text)}`);
  return flight;
}

/** "SKU" or "SKU:QTY" items; the API checks SKUs and quantities against the catalog and limits. */
function cartItems(items: readonly string[]): { sku: string; quantity: number }[] {
  if (items.length === 0) throw new UsageError("name at least one item: SKU or SKU:QTY");
  return items.map((item) => {
    const [sku = "", quantity] = item.split(":");
    return { sku, quantity: quantity === undefined ? 1 : wholeNumber(quantity, `the quantity of ${sku}`) };
  });
}

function wholeNumber(text: string, what: string): number {
  if (!/^[0-9]{1,6}$/.test(text)) throw new UsageError(`${what} must be a whole number, not ${JSON.stringify(text)}`);
  return Number(text);
}

function describeLoaded(summary: FlightSummary): string {
  const leg = summary.rotation === undefined ? "" : ` (leg ${summary.rotation.legNumber} of ${summary.rotation.legCount})`;
  return `loaded ${summary.flightKey}${leg}, trolley ${summary.trolleyId}: ${summary.catalogItems} items, sold in ${summary.currency}`;
}

/** A binary manifest, or a rotation's manifests in one JSON file (it starts with "{"). */
function readLoadFile(path: string): { kind: "manifest"; base64: string } | { kind: "rotation"; text: string } {
  try {
    // Sized before it is read: anything larger than a rotation's manifests is the wrong file.
    const { size } = statSync(path);
    if (size > ROTATION_BUNDLE_CHARS_MAX)
      throw new UsageError(`${path} is ${size} bytes: not a manifest or rotation file (at most ${ROTATION_BUNDLE_CHARS_MAX})`);
    const bytes = readFileSync(path);
    if (bytes[0] === 0x7b) return { kind: "rotation", text: bytes.toString("utf8") };
    if (size > LIMITS.manifestBytesMax)
      throw new UsageError(`${path} is ${size} bytes: not a manifest (at most ${LIMITS.manifestBytesMax})`);
    return { kind: "manifest", base64: bytes.toString("base64") };
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read the file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}
