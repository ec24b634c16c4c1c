import {
  createNobleSigner,
  fromBase64Url,
  nobleVerifier,
  signTerminalRequest,
  TERMINAL_REQUEST_HEADERS,
  terminalRequestMessage,
  toBase64Url,
} from "@cabinpay/shared";
import { nodeSha256 } from "@cabinpay/shared/node";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { seedKey } from "./support/fixtures.js";

const signer = createNobleSigner(seedKey("terminal-request"));
const request = {
  method: "get",
  path: "/terminal/flights/x/manifest",
  body: new Uint8Array(0),
  timestampMs: 1_796_000_000_000,
  nonce: "AAAAAAAAAAAAAAAAAAAAAA",
};

describe("signed terminal requests", () => {
  it("cover the same message whether the body is hashed natively or portably", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5_000 }), (body) => {
        const withBody = { ...request, method: "POST", body };
        expect(terminalRequestMessage(withBody, nodeSha256)).toEqual(terminalRequestMessage(withBody));
        expect(signTerminalRequest(signer, "t-1", withBody, nodeSha256)).toEqual(signTerminalRequest(signer, "t-1", withBody));
      }),
      { numRuns: 50 },
    );
  });

  it("sign method, path, time, nonce and body; any change breaks the signature", () => {
    const headers = signTerminalRequest(signer, "t-1", request);
    const signature = fromBase64Url(headers[TERMINAL_REQUEST_HEADERS.signature]!)!;
    expect(nobleVerifier.verify(signature, terminalRequestMessage(request), signer.publicKey)).toBe(true);
    for (const changed of [
      { ...request, method: "POST" },
      { ...request, path: `${request.path}?x=1` },
      { ...request, timestampMs: request.timestampMs + 1 },
      { ...request, nonce: "BAAAAAAAAAAAAAAAAAAAAA" },
      { ...request, body: Uint8Array.of(0) },
    ]) {
      expect(nobleVerifier.verify(signature, terminalRequestMessage(changed), signer.publicKey)).toBe(false);
    }
  });

  it("refuse short nonces", () => {
    expect(() => signTerminalRequest(signer, "t-1", { ...request, nonce: "short" })).toThrow(/nonce/);
  });

  it("encode base64url canonically and refuse anything else", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const text = toBase64Url(bytes);
        expect(text).toBe(Buffer.from(bytes).toString("base64url"));
        expect(fromBase64Url(text)).toEqual(bytes);
      }),
    );
    expect(fromBase64Url("A")).toBeUndefined();
    expect(fromBase64Url("AB==")).toBeUndefined();
    expect(fromBase64Url("AA")).toEqual(Uint8Array.of(0));
    expect(fromBase64Url("AB")).toBeUndefined();
    expect(fromBase64Url("AF")).toBeUndefined(); // non-zero trailing bits
  });
});
