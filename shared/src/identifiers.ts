/**
 * Rules for the short identifiers that manifests and sale records share. One definition, because
 * they must agree: every sku, crew id and trolley id in a record is one a manifest can carry.
 */
import { LIMITS } from "./limits.js";

const CODE_PATTERN = /^[A-Za-z0-9_-]+$/;
/** SKUs may also contain dots (e.g. "DR-COF-300", "ML.NOO.100"). */
const SKU_PATTERN = /^[A-Za-z0-9._-]+$/;

export function isCrewId(text: string): boolean {
  return CODE_PATTERN.test(text) && text.length <= LIMITS.crewIdBytesMax;
}

export function isTrolleyId(text: string): boolean {
  return CODE_PATTERN.test(text) && text.length <= LIMITS.trolleyIdBytesMax;
}

export function isCategory(text: string): boolean {
  return CODE_PATTERN.test(text) && text.length <= LIMITS.categoryBytesMax;
}

export function isSku(text: string): boolean {
  return SKU_PATTERN.test(text) && text.length <= LIMITS.skuBytesMax;
}
