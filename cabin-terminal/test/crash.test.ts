/**
 * Crash safety: a child process sells in a loop and is killed with SIGKILL at random moments,
 * many times. After every kill the database opens, passes its integrity check, its chain verifies,
 * no sale is half-written (stock and cap usage agree with the records), and every sale the child
 * reported approved is there.
 */
import { spawn } from "node:child_process";
import { GENESIS_ANCHOR, generateSecretKey, toHex, verifyChain } from "@cabinpay/shared";
import { createNodeSigner, createNodeVerifier } from "@cabinpay/shared/node";
import { describe, expect, it } from "vitest";
import { openTerminalDatabase } from "../src/core/db/open.js";
import { records, stock, voucherUsage } from "../src/core/db/schema.js";
import { enrolledDatabase, FLIGHT } from "./support/fixtures.js";

const CHILD = new URL("./support/seller-child.ts", import.meta.url).pathname;
const KILLS = 12;

describe("a terminal killed mid-sale", () => {
  it("never loses an approved sale nor half-writes one", async () => {
    const opened = enrolledDatabase();
    opened.close();
    const secret = generateSecretKey();
    const publicKey = createNodeSigner(secret).publicKey;
    const reported = new Set<string>();
    let killedMidWork = 0;
    for (let round = 0; round < KILLS; round++) {
      const child = spawn(process.execPath, ["--import", "tsx", "--conditions=@cabinpay/source", CHILD, opened.path, toHex(secret)], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      let buffered = "";
      let approvedThisRound = 0;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.stdout.on("data", (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split("\n");
        buffered = lines.pop()!;
        for (const line of lines) {
          if (line.startsWith("approved ")) {
            reported.add(line.slice(9));
            approvedThisRound += 1;
          }
        }
      });
      // Kill it once it is selling, after a random number of further sales.
      const target = 5 + Math.floor(Math.random() * 40);
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          if (approvedThisRound >= target || child.exitCode !== null) {
            clearInterval(timer);
            resolve();
          }
        }, 2);
      });
      if (child.exitCode === null) killedMidWork += 1;
      child.kill("SIGKILL");
      await exited;

      const after = openTerminalDatabase(opened.path); // integrity check inside
      const chain = after.db.select().from(records).orderBy(records.sequence).all();
      const verified = verifyChain(
        chain.map((r) => new Uint8Array(r.bytes)),
        {
          terminalId: "0193c1a0-0000-7000-8000-0000000000cc",
          flight: FLIGHT,
          publicKey,
          verifier: createNodeVerifier(),
          anchor: GENESIS_ANCHOR,
        },
      );
      expect(verified.ok, `round ${round}`).toBe(true);
      const stored = new Set(chain.map((r) => r.recordId));
      for (const id of reported) expect(stored.has(id), `approved sale ${id} lost in round ${round}`).toBe(true);
      const coffeeLeft = after.db
        .select()
        .from(stock)
        .all()
        .find((s) => s.sku === "DR-COF-300")!.quantity;
      const spent = after.db
        .select()
        .from(voucherUsage)
        .all()
        .reduce((sum, u) => sum + u.spentMinor, 0);
      expect(coffeeLeft).toBe(65_535 - chain.length);
      expect(spent).toBe(chain.length * 2_000);
      after.close();
    }
    expect(killedMidWork).toBe(KILLS);
    expect(reported.size).toBeGreaterThan(KILLS);
  }, 180_000);
});
