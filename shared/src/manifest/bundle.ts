/**
 * A rotation's manifests in one file, for a terminal loaded at a gate with no connection. The file
 * needs no signature of its own: each manifest in it is signed, and names its leg.
 */

import { LIMITS } from "../limits.js";
import { fromBase64Url } from "../request/terminal-request.js";
import { ROTATION_LEGS_MAX } from "./manifest.js";

export const ROTATION_BUNDLE_FORMAT = "cabinpay-rotation/1" as const;
/** Every leg's manifest at its largest, in base64, with room for the wrapping. */
export const ROTATION_BUNDLE_CHARS_MAX = ROTATION_LEGS_MAX * Math.ceil((LIMITS.manifestBytesMax * 4) / 3) + 1_024;

export type BundleResult =
  | { readonly ok: true; readonly manifests: readonly Uint8Array[] }
  | { readonly ok: false; readonly detail: string };

/** Reads the file's wrapping only; never throws. Each manifest is verified by whoever loads it. */
export function parseRotationBundle(text: string): BundleResult {
  if (text.length > ROTATION_BUNDLE_CHARS_MAX) return { ok: false, detail: "the file is too large for a rotation" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, detail: "the file is not a rotation file (not JSON)" };
  }
  const { format, manifests } = (parsed ?? {}) as { format?: unknown; manifests?: unknown };
  if (format !== ROTATION_BUNDLE_FORMAT) return { ok: false, detail: `the file is not a rotation file (${ROTATION_BUNDLE_FORMAT})` };
  if (!Array.isArray(manifests) || manifests.length < 1 || manifests.length > ROTATION_LEGS_MAX)
    return { ok: false, detail: `a rotation file holds 1 to ${ROTATION_LEGS_MAX} manifests` };
  const decoded: Uint8Array[] = [];
  for (const [index, item] of manifests.entries()) {
    const bytes = typeof item === "string" ? fromBase64Url(item) : undefined;
    if (bytes === undefined) return { ok: false, detail: `manifest ${index + 1} is not base64url` };
    decoded.push(bytes);
  }
  return { ok: true, manifests: decoded };
}
