/** `@cabinpay/shared/wire`: the JSON envelopes of the terminal's calls to the ground (TypeBox). */
export * from "./terminal.js";
