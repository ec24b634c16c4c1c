/**
 * The core in a process of its own, as Electron's utility process runs it: here a Node child over
 * its IPC channel, the same messages. And the sealed key store it keeps the device key in, with
 * the data key main unseals from the OS keychain.
 */
import { type ChildProcess, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { CoreProcessPort } from "../src/api/core-channel.js";
import { ipcErrorMessage, parseIpcError, TerminalFaultError } from "../src/api/fault.js";
import { faultOf } from "../src/core/errors.js";
import { fileKeyStore, type StringCipher } from "../src/core/keys/key-store.js";
import { adoptKeyStore, dataKeyCipher, dataKeyOf, sealedFileKeyStore } from "../src/core/keys/sealed.js";
import { type CoreClient, connectCore } from "../src/main/core-client.js";
import { tempDir } from "./support/fixtures.js";

const ENTRY = fileURLToPath(new URL("../src/core/process.ts", import.meta.url));

/** A stand-in for the OS keychain: reversible, and refusing what another "device" sealed. */
const keychain = (device: string): StringCipher => ({
  isEncryptionAvailable: () => true,
  encryptString: (text) => Buffer.from(`${device}:${text}`),
  decryptString: (sealed) => {
    const text = sealed.toString();
    if (!text.startsWith(`${device}:`)) throw new Error("another device's keychain");
    return text.slice(device.length + 1);
  },
});

describe("the sealed device key store", () => {
  it("seals with AES-256-GCM under the data key: what another key or a flipped byte gives is refused", () => {
    const dataKey = randomBytes(32);
    const cipher = dataKeyCipher(dataKey);
    const sealed = cipher.encryptString("secret");
    expect(sealed.includes(Buffer.from("secret"))).toBe(false);
    expect(cipher.decryptString(sealed)).toBe("secret");
    expect(() => dataKeyCipher(randomBytes(32)).decryptString(sealed)).toThrow();
    const flipped = Buffer.from(sealed);
    flipped[flipped.length - 1]! ^= 1;
    expect(() => cipher.decryptString(flipped)).toThrow();
  });

  it("makes the data key once under the keychain and reads the same ever after; another device's keychain cannot", () => {
    const path = join(tempDir(), "data.key.enc");
    const first = dataKeyOf(path, keychain("this"));
    expect(existsSync(path)).toBe(true);
    expect(dataKeyOf(path, keychain("this"))).toEqual(first);
    expect(() => dataKeyOf(path, keychain("stolen"))).toThrow(expect.objectContaining({ code: "key_store_damaged" }));
  });

  it("carries the device key and its chain anchor over from an earlier store, once, and never over a key it has", () => {
    const dir = tempDir();
    const earlier = fileKeyStore(join(dir, "device.key"));
    earlier.save(new Uint8Array(32).fill(7));
    earlier.saveAnchor("anchor-1");
    const current = sealedFileKeyStore(join(dir, "device.key.sealed"), randomBytes(32));
    expect(adoptKeyStore(earlier, current)).toBe("adopted");
    expect(current.load()).toEqual(new Uint8Array(32).fill(7));
    expect(current.loadAnchor()).toBe("anchor-1");
    expect(readFileSync(join(dir, "device.key.sealed")).includes(Buffer.from("anchor-1"))).toBe(false);
    earlier.save(new Uint8Array(32).fill(9));
    expect(adoptKeyStore(earlier, current)).toBe("nothing_to_adopt");
    expect(current.load()).toEqual(new Uint8Array(32).fill(7));
  });
});

describe("the core in its own process", () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) child.kill();
  });

  async function start(dataDir = tempDir(), entry = ENTRY): Promise<{ child: ChildProcess; core: CoreClient; events: unknown[] }> {
    const child = fork(entry, [], { execArgv: ["--import", "tsx", "--conditions=@cabinpay/source"], stdio: "inherit" });
    children.push(child);
    const port: CoreProcessPort = {
      postMessage: (message) => child.send(message),
      onMessage: (listener) => child.on("message", listener),
      onExit: (listener) => child.on("exit", (code) => listener(`exit code ${code}`)),
    };
    const events: unknown[] = [];
    const core = await connectCore(port, { dataDir, dataKeyHex: randomBytes(32).toString("hex") }, (event) => events.push(event));
    return { child, core, events };
  }

  it("answers the API over the channel: values, the core's faults as they are, a caller's bad input as invalid_input", async () => {
    const { child, core } = await start();
    expect(await core.api["status/get"]({})).toMatchObject({ enrolled: false, unsentRecords: 0 });
    const refused = await core.api["catalog/list"]({}).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TerminalFaultError);
    expect(faultOf(refused)).toMatchObject({ code: "no_flight_loaded" });
    // Passed on to the renderer over Electron's IPC exactly as a fault of the core in main would be.
    expect(parseIpcError(`Error invoking remote method: Error: ${ipcErrorMessage(faultOf(refused))}`).code).toBe("no_flight_loaded");
    const bad = await core.api["cart/add"]({ sku: "" } as never).catch((error: unknown) => faultOf(error));
    expect(bad).toMatchObject({ code: "invalid_input" });
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    core.close();
    expect(await exited).toBe(0);
  }, 60_000);

  it("fails every later call with core_stopped when the core's process dies, rather than leaving it waiting", async () => {
    const { child, core } = await start();
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    await expect(core.api["status/get"]({})).rejects.toMatchObject({ fault: { code: "core_stopped" } });
  }, 60_000);

  it("fails the start with core_stopped when the core's process dies before it is ready, rather than hanging", async () => {
    const dying = join(tempDir(), "dies-at-start.mjs");
    writeFileSync(dying, "process.exit(3);\n");
    await expect(start(tempDir(), dying)).rejects.toMatchObject({
      fault: { code: "core_stopped", message: expect.stringContaining("exit code 3") },
    });
  }, 60_000);

  it("refuses to start on a data folder it cannot open, saying why, rather than hanging", async () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, "terminal.db"), "not a database");
    await expect(start(dataDir)).rejects.toMatchObject({ fault: { code: "database_damaged" } });
  }, 60_000);
});
