/** Enrolment: the terminal gets its identity from the ground. */
import { enrolWithGround } from "../ground/client.js";
import type { Handlers } from "./handler.js";

export const enrolmentHandlers = {
  async "enrolment/enrol"(session, { groundUrl, code }) {
    session.refuseWhileUnsent("enrol again. Enrolling now would leave them with no terminal to upload them");
    const answer = await enrolWithGround(session.db, session.keys, { groundUrl, code, nowMs: session.now() }, session.ground);
    session.forgetIdentity();
    return { terminalId: answer.terminalId, name: answer.name };
  },
} satisfies Handlers<"enrolment/enrol">;
