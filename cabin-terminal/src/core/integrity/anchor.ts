/**
 * The chain anchor (core process): the head (sequence and hash) of each flight's chain and the
 * crew's PIN lock-outs, signed by the device key and kept with it in the key store, outside the
 * database. At open every stored chain is checked against it, so records deleted from the end of
 * `terminal.db`, changed or replaced are found before the next sale, not at upload; and a lock-out
 * cannot be lifted by editing the database. A flight whose chain is broken sells nothing more
 * (its records can still be uploaded, as evidence); crew and ops are told why.
 */
import { concatBytes, fromHex, SIGNATURE_DOMAIN, type Signer, toHex } from "@cabinpay/shared";
import { createNodeSigner, createNodeVerifier } from "@cabinpay/shared/node";
import type { TerminalDb } from "../db/open.js";
import { TerminalError } from "../errors.js";
import type { DeviceKeyStore } from "../keys/key-store.js";
import { type Anchored, checkStoredChain, GENESIS_HEAD } from "./chain-check.js";

export interface Lockout {
  readonly failedAttempts: number;
  readonly lockedUntilMs: number | null;
}

interface AnchorBody {
  readonly version: 1;
  /** flight key → head sequence and hash (hex). */
  readonly heads: Record<string, { readonly sequence: number; readonly hash: string }>;
  /** "flight key|crew id" → wrong PINs so far and the lock-out's end. */
  readonly lockouts: Record<string, Lockout>;
}

const verifier = createNodeVerifier();
const encoder = new TextEncoder();
const EMPTY: AnchorBody = { version: 1, heads: {}, lockouts: {} };

export class ChainGuard {
  private body: AnchorBody = EMPTY;
  /** flight key → why its chain cannot be trusted; "" for the whole terminal. */
  private readonly broken = new Map<string, string>();
  private signer: Signer | undefined;
  /** Flights whose chain grew since the anchor was written: written on the event loop's next turn. */
  private readonly behind = new Set<string>();
  private flushing: NodeJS.Immediate | undefined;

  constructor(
    private readonly db: TerminalDb,
    private readonly keys: DeviceKeyStore,
  ) {}

  /** Reads and checks the anchor and every stored chain; repairs nothing it cannot vouch for. */
  open(): void {
    this.broken.clear();
    const secret = this.keys.load();
    const flights = this.db.$client.prepare("SELECT DISTINCT flight_key AS flightKey FROM records").all() as { flightKey: string }[];
    if (secret === undefined) {
      if (flights.length > 0) this.broken.set("", "the device key is gone: this terminal's records can no longer be vouched for");
      return;
    }
    this.signer = createNodeSigner(secret);
    const anchor = this.keys.loadAnchor();
    if (anchor === undefined) {
      // Written by a version before anchors: only a chain the ground already holds in full is adopted.
      const unsent = this.db.$client.prepare("SELECT count(*) AS n FROM records WHERE uploaded_at_ms IS NULL").get() as { n: number };
      if (unsent.n > 0) this.broken.set("", "the chain anchor is missing while records are unsent");
    } else {
      const body = readAnchor(anchor, this.signer.publicKey);
      if (body === undefined) {
        this.broken.set("", "the chain anchor kept with the device key was altered");
        return;
      }
      this.body = body;
    }
    if (this.broken.size > 0) return;
    for (const { flightKey } of flights) {
      const held = this.body.heads[flightKey];
      // Adopted (no anchor yet): the links are checked, there is no head to reach.
      const head = held === undefined ? GENESIS_HEAD : { sequence: held.sequence, hash: fromHex(held.hash)! };
      const anchored: Anchored | undefined = anchor === undefined ? undefined : { ...head, devicePublicKey: this.signer.publicKey };
      const checked = checkStoredChain(this.db, flightKey, anchored);
      if (!checked.ok) this.broken.set(flightKey, checked.detail);
    }
    this.reanchor(flights.map((f) => f.flightKey).filter((key) => !this.broken.has(key)));
  }

  /** Why nothing more may be written to this flight's chain, if so. */
  problemOf(flightKey: string | undefined): string | undefined {
    return this.broken.get("") ?? (flightKey === undefined ? undefined : this.broken.get(flightKey));
  }

  /** Before every sale, void, refund and close. */
  requireIntact(flightKey: string): void {
    const problem = this.problemOf(flightKey);
    if (problem !== undefined) {
      throw new TerminalError(
        "chain_broken",
        `Do not sell on this terminal: ${problem}. Upload what it holds (the ground keeps it as evidence) and call ops.`,
      );
    }
  }

  /** A flight found forked at upload (another device signs with this key): it sells nothing more. */
  markBroken(flightKey: string, detail: string): void {
    this.broken.set(flightKey, detail);
  }

  /**
   * After a record was committed: the anchor follows the chain's new head on the event loop's next
   * turn, after the sale's answer, not inside it (a signature and a file replaced: as long as the
   * sale itself). Until then, and if power is lost first, the chain is simply past the anchor by
   * records this terminal signed, which the check at start accepts (`checkStoredChain`). Found
   * by the fault test: a terminal killed right after its first sale, before any anchor existed.
   */
  advance(flightKey: string): void {
    this.behind.add(flightKey);
    // A flight's first record is anchored at once: a chain with no anchor at all cannot be told
    // from one whose anchor was removed (`open`), so that one write stays inside its sale.
    if (this.body.heads[flightKey] === undefined) this.flushOrWarn();
    else this.flushing ??= setImmediate(() => this.flushOrWarn());
  }

  /**
   * The record is committed and approved whatever happens here: a failed write is tried again after
   * the next record (meanwhile the chain is past the anchor by signed records), never turned into an
   * error crew would read as "not paid" and charge again; nor, at the core's close, into a failed shutdown.
   */
  flushOrWarn(): void {
    try {
      this.flush();
    } catch (error) {
      process.emitWarning(`the chain anchor could not be written: ${(error as Error).message}`, { code: "CABINPAY_ANCHOR_UNWRITTEN" });
    }
  }

  /** Writes the anchor now if a chain grew since it was written (a lock-out, the database closing). */
  flush(): void {
    if (this.flushing !== undefined) clearImmediate(this.flushing);
    this.flushing = undefined;
    if (this.behind.size === 0) return;
    this.reanchor([...this.behind]);
    this.behind.clear();
  }

  lockout(flightKey: string, crewId: string): Lockout | undefined {
    return this.body.lockouts[`${flightKey}|${crewId}`];
  }

  setLockout(flightKey: string, crewId: string, lockout: Lockout | undefined): void {
    this.flush();
    const lockouts = { ...this.body.lockouts };
    if (lockout === undefined) delete lockouts[`${flightKey}|${crewId}`];
    else lockouts[`${flightKey}|${crewId}`] = lockout;
    this.write({ ...this.body, lockouts });
  }

  private reanchor(flightKeys: readonly string[]): void {
    if (flightKeys.length === 0) return;
    const heads = { ...this.body.heads };
    const head = this.db.$client.prepare("SELECT sequence, hash FROM records WHERE flight_key = ? ORDER BY sequence DESC LIMIT 1");
    for (const flightKey of flightKeys) {
      const row = head.get(flightKey) as { sequence: number; hash: Buffer } | undefined;
      if (row !== undefined) heads[flightKey] = { sequence: row.sequence, hash: toHex(new Uint8Array(row.hash)) };
    }
    this.write({ ...this.body, heads });
  }

  private write(body: AnchorBody): void {
    // Enrolment makes the key before the first record: a terminal with no key has nothing to anchor.
    if (this.signer === undefined) {
      const secret = this.keys.load();
      if (secret !== undefined) this.signer = createNodeSigner(secret);
    }
    if (this.signer === undefined) {
      this.body = body;
      return;
    }
    const text = JSON.stringify(body);
    const signature = this.signer.sign(concatBytes(SIGNATURE_DOMAIN.terminalAnchor, encoder.encode(text)));
    this.keys.saveAnchor(JSON.stringify({ body: text, signature: toHex(signature) }));
    this.body = body;
  }
}

/** The anchor's body if its signature holds under this device's key. */
function readAnchor(anchor: string, publicKey: Uint8Array): AnchorBody | undefined {
  try {
    const { body, signature } = JSON.parse(anchor) as { body: string; signature: string };
    const bytes = fromHex(signature);
    if (typeof body !== "string" || bytes === undefined) return undefined;
    if (!verifier.verify(bytes, concatBytes(SIGNATURE_DOMAIN.terminalAnchor, encoder.encode(body)), publicKey)) return undefined;
    const parsed = JSON.parse(body) as AnchorBody;
    return parsed.version === 1 && typeof parsed.heads === "object" && typeof parsed.lockouts === "object" ? parsed : undefined;
  } catch {
    return undefined;
  }
}
