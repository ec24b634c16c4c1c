/**
 * A terminal over real HTTP that can send the ground anything a terminal could: its own chain of
 * records (`RecordChain`), uploaded in whatever batches, order and timing a test chooses, each
 * request signed with its device key.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import { type FlightRef, generateSecretKey, signTerminalRequest, toBase64Url } from "@cabinpay/shared";
import { createNodeSigner, nodeSha256 } from "@cabinpay/shared/node";
import { RecordChain } from "@cabinpay/testkit/record-chain";
import type { GroundApi } from "./flight.js";

export interface Answer {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: the ground's JSON answers, which the tests' expectations check
  readonly body: any;
}

/** One signed request, kept whole so that a test can send it again byte for byte. */
export interface SignedRequest {
  readonly url: string;
  readonly init: RequestInit;
}

export class WireTerminal extends RecordChain {
  private constructor(
    private readonly groundUrl: string,
    readonly terminalId: string,
    readonly signer: ReturnType<typeof createNodeSigner>,
    flight: FlightRef,
    trolleyId: string,
    nowMs: () => number,
  ) {
    super({ terminalId, signer }, flight, trolleyId, nowMs);
  }

  /** Enrols with a one-time code for `enrolledFlightId` (its records may name another flight). */
  static async enrol(
    api: GroundApi,
    ground: { url: string; opsKey: string },
    enrolledFlightId: string,
    flight: FlightRef,
    trolleyId: string,
    nowMs: () => number = Date.now,
  ): Promise<WireTerminal> {
    const { code } = await api("POST", "/ops/enrolment-codes", {
      token: ground.opsKey,
      body: { name: `Wire ${trolleyId}`, flightId: enrolledFlightId, trolleyId },
    });
    const signer = createNodeSigner(generateSecretKey());
    const { terminalId } = await api("POST", "/terminals/enrol", { body: { code, publicKey: toBase64Url(signer.publicKey) } });
    return new WireTerminal(ground.url, terminalId, signer, flight, trolleyId, nowMs);
  }

  /** A signed upload of `bytes` for the ground's flight `flightId`, stamped with the terminal's clock. */
  uploadRequest(flightId: string, bytes: Uint8Array): SignedRequest {
    const path = `/terminal/flights/${flightId}/batches`;
    const headers = signTerminalRequest(
      this.signer,
      this.terminalId,
      {
        method: "POST",
        path,
        body: bytes,
        timestampMs: this.nowMs(),
        nonce: randomBytes(16).toString("base64url"),
      },
      nodeSha256,
    );
    return {
      url: `${this.groundUrl}${path}`,
      init: { method: "POST", headers: { ...headers, "content-type": "application/octet-stream" }, body: Buffer.from(bytes) },
    };
  }

  upload(flightId: string, bytes: Uint8Array): Promise<Answer> {
    return send(this.uploadRequest(flightId, bytes));
  }
}

export async function send(request: SignedRequest): Promise<Answer> {
  const response = await fetch(request.url, request.init);
  return answerOf(response.status, await response.text());
}

/** The ground's answer: its status and its JSON body, if any. */
function answerOf(status: number, text: string): Answer {
  return { status, body: text === "" ? undefined : JSON.parse(text) };
}

/**
 * The same request over node:http on `agent`'s kept-alive connections: the fleet bench's 400
 * terminals share this machine's two cores with the ground, and fetch cost about three times the
 * CPU a 180 kB upload (docs/performance.md, eleventh pass). In the aisle each terminal has its own.
 */
export function sendOver(agent: http.Agent, request: SignedRequest): Promise<Answer> {
  const body = request.init.body as Buffer;
  const headers = { ...(request.init.headers as Record<string, string>), "content-length": String(body.length) };
  return new Promise((resolve, reject) => {
    const sent = http.request(request.url, { method: request.init.method, headers, agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", reject);
      response.on("end", () => {
        // Inside the promise: an answer that is not JSON rejects it, where a throw here would end the process.
        try {
          resolve(answerOf(response.statusCode ?? 0, Buffer.concat(chunks).toString("utf8")));
        } catch (error) {
          reject(error);
        }
      });
    });
    sent.on("error", reject);
    sent.end(body);
  });
}
