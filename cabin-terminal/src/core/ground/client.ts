/**
 * Talking to the ground service while on the ground: enrolment with a one-time code, the signed
 * manifest download, the upload after landing. Every call after enrolment is signed with the
 * device key (shared `signTerminalRequest`), with a fresh nonce and a time limit.
 */
import { randomBytes } from "node:crypto";
import { type FlightRef, fromBase64Url, type Signer, signTerminalRequest, toBase64Url } from "@cabinpay/shared";
import { nodeSha256 } from "@cabinpay/shared/node";
import {
  type Assignment,
  AssignmentsAnswer,
  CabinCountersAnswer,
  type CabinCountersRequest,
  ChainAnswer,
  ClockDetails,
  checkAnswer,
  checkedOrUndefined,
  EnrolAnswer,
  type EnrolRequest,
  ErrorAnswer,
  FlightLookupAnswer,
  type HandoverRequest,
  UploadAnswer,
} from "@cabinpay/shared/wire";
import type { Static } from "typebox";
import type { TerminalDb } from "../db/open.js";
import { deviceKey, type EnrolmentAnswer, enrolled, saveCertificate, saveEnrolment } from "../enrolment.js";
import { TerminalError } from "../errors.js";
import type { DeviceKeyStore } from "../keys/key-store.js";

export interface GroundOptions {
  /** Injected in tests to cut the connection; the global fetch otherwise. */
  readonly fetch?: typeof fetch;
  /** Each request gives up after this long. */
  readonly timeoutMs: number;
}

function certificateBytes(text: string): Uint8Array {
  const bytes = fromBase64Url(text);
  if (bytes === undefined) throw new TerminalError("ground_refused", "the ground's certificate is not base64url");
  return bytes;
}

export async function enrolWithGround(
  db: TerminalDb,
  keys: DeviceKeyStore,
  input: { groundUrl: string; code: string; nowMs: number },
  options: GroundOptions,
): Promise<EnrolmentAnswer> {
  const signer = deviceKey(keys);
  const url = new URL("/terminals/enrol", input.groundUrl);
  const request: EnrolRequest = { code: input.code, publicKey: toBase64Url(signer.publicKey) };
  const body = answer(
    EnrolAnswer,
    await call(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(request) }, options),
  );
  const manifestPublicKey = fromBase64Url(body.manifestPublicKey);
  if (manifestPublicKey === undefined || manifestPublicKey.length !== 32)
    throw new TerminalError("ground_refused", "the ground answered without a valid manifest key");
  const enrolment = { terminalId: body.terminalId, name: body.name, groundUrl: input.groundUrl, manifestPublicKey };
  saveEnrolment(db, enrolment, input.nowMs);
  if (body.deviceCertificate !== undefined) saveCertificate(db, signer, certificateBytes(body.deviceCertificate));
  return enrolment;
}

/**
 * Long: one object of short methods (manifest, flight id, assignments, chain, batch, handover)
 * sharing one signer and one learnt clock offset; split, they would pass both around.
 * A client for signed requests as the enrolled terminal.
 */
export function groundClient(db: TerminalDb, keys: DeviceKeyStore, options: GroundOptions & { now: () => number }) {
  const identity = enrolled(db);
  const signer: Signer = deviceKey(keys);
  // How far the ground's clock is from ours, learnt when the ground refuses a request's time.
  // A terminal whose clock drifted (or was never set) still uploads: only the requests' times are
  // corrected; the records keep the times the terminal gave them, which are evidence.
  let clockOffsetMs = 0;
  const signedOnce = (method: "GET" | "POST", path: string, body?: Uint8Array, contentType = "application/octet-stream") => {
    const headers = signTerminalRequest(
      signer,
      identity.terminalId,
      {
        method,
        path,
        body: body ?? new Uint8Array(0),
        timestampMs: options.now() + clockOffsetMs,
        nonce: randomBytes(16).toString("base64url"),
      },
      nodeSha256,
    );
    return call(
      new URL(path, identity.groundUrl),
      {
        method,
        headers: body === undefined ? headers : { ...headers, "content-type": contentType },
        ...(body === undefined ? {} : { body: Buffer.from(body) }),
      },
      options,
    );
  };
  const signed = async (method: "GET" | "POST", path: string, body?: Uint8Array, contentType?: string) => {
    try {
      return await signedOnce(method, path, body, contentType);
    } catch (error) {
      const serverTimeMs = serverTimeOf(error);
      if (serverTimeMs === undefined) throw error;
      clockOffsetMs = serverTimeMs - options.now();
      return signedOnce(method, path, body, contentType);
    }
  };
  return {
    terminalId: identity.terminalId,
    signer,
    /** The ground's id of a flight, looked up by designator and date. */
    async flightId(flight: FlightRef): Promise<string> {
      const url = new URL(`/flights?carrier=${flight.carrier}&number=${flight.number}&date=${flight.date}`, identity.groundUrl);
      const found = answer(FlightLookupAnswer, await call(url, { method: "GET" }, options));
      const id = found.flights[0]?.flightId;
      if (id === undefined)
        throw new TerminalError("ground_refused", `the ground does not know flight ${flight.carrier}${flight.number} on ${flight.date}`);
      return id;
    },
    /** The flights ops assigned this terminal, each with its trolley, in the order flown; keeps the renewed certificate. */
    async assignments(): Promise<readonly Assignment[]> {
      const body = answer(AssignmentsAnswer, await signed("GET", "/terminal/assignments"));
      if (body.deviceCertificate !== undefined) saveCertificate(db, signer, certificateBytes(body.deviceCertificate));
      return body.assignments;
    },
    async manifest(flightId: string): Promise<Uint8Array> {
      return bytesAnswer(await signed("GET", `/terminal/flights/${flightId}/manifest`));
    },
    async chain(flightId: string): Promise<ChainAnswer> {
      return answer(ChainAnswer, await signed("GET", `/terminal/flights/${flightId}/chain`));
    },
    /** The purser's handover at the close (seals, stock left), after the close record is on the ground. */
    async handover(flightId: string, report: HandoverRequest): Promise<void> {
      await signed("POST", `/terminal/flights/${flightId}/handover`, new TextEncoder().encode(JSON.stringify(report)), "application/json");
    },
    /** After the upload: the flight's cabin-sync snapshots this terminal holds, for the ground to check against its records. */
    async cabinCounters(flightId: string, request: CabinCountersRequest): Promise<CabinCountersAnswer> {
      const body = new TextEncoder().encode(JSON.stringify(request));
      return answer(CabinCountersAnswer, await signed("POST", `/terminal/flights/${flightId}/cabin-counters`, body, "application/json"));
    },
    async upload(flightId: string, batch: Uint8Array): Promise<UploadAnswer> {
      return answer(UploadAnswer, await signed("POST", `/terminal/flights/${flightId}/batches`, batch));
    },
  };
}

export type GroundClient = ReturnType<typeof groundClient>;

/** An answer in the envelope shared declares for it, or a refusal saying where it is not. */
function answer<S extends Parameters<typeof checkAnswer>[0]>(schema: S, value: unknown): Static<S> {
  const checked = checkAnswer(schema, value);
  if (!checked.ok)
    throw new TerminalError(
      "ground_refused",
      `the ground answered in an unexpected shape (${checked.detail}): update the terminal or tell ops`,
    );
  return checked.value;
}

function bytesAnswer(value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TerminalError("ground_refused", "the ground answered JSON where bytes were expected");
  return value;
}

/** The ground's time, when it refused a request because the terminal's clock is off. */
function serverTimeOf(error: unknown): number | undefined {
  if (!(error instanceof TerminalError) || error.ground?.code !== "bad_request_signature") return undefined;
  return checkedOrUndefined(ClockDetails, error.ground.details)?.serverTimeMs;
}

async function call(url: URL, init: RequestInit, options: GroundOptions): Promise<unknown> {
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, { ...init, signal: AbortSignal.timeout(options.timeoutMs) });
  } catch (error) {
    throw new TerminalError("ground_unreachable", `cannot reach the ground at ${url.origin}: ${(error as Error).message}`);
  }
  const type = response.headers.get("content-type") ?? "";
  if (response.ok) return type.startsWith("application/json") ? response.json() : new Uint8Array(await response.arrayBuffer());
  const body: Partial<ErrorAnswer> =
    (type.startsWith("application/json") ? checkedOrUndefined(ErrorAnswer, await response.json()) : undefined) ?? {};
  const code = body.code ?? `http_${response.status}`;
  throw new TerminalError("ground_refused", `the ground refused (${response.status} ${code}): ${body.message ?? response.statusText}`, {
    status: response.status,
    code,
    details: body.details,
  });
}
