/**
 * The web pages' message catalogue: every key in English has its Chinese, of the same kind, and
 * every error code the ground can answer has a sentence in both (never a code on a page).
 */
import { describe, expect, it } from "vitest";
import { ERROR_STATUS } from "../src/errors.js";
import { RECORD_REJECTIONS } from "../src/services/ingest-vouchers.js";
import { en } from "../web/src/i18n/en.js";
import { zh } from "../web/src/i18n/zh.js";

type Tree = { readonly [key: string]: unknown };

/** Every leaf's path and value, in a stable order. */
function leaves(tree: Tree, prefix = ""): [string, unknown][] {
  return Object.entries(tree)
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([key, value]) =>
      typeof value === "object" && value !== null
        ? leaves(value as Tree, `${prefix}${key}.`)
        : [[`${prefix}${key}`, value] as [string, unknown]],
    );
}

/** A leaf as a person reads it: the string, or what the function says for sample arguments. */
function said(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "function") return String((value as (...args: unknown[]) => unknown)(3, 2, 1, 0));
  throw new Error(`not a message: ${typeof value}`);
}

const CJK = /[\u4e00-\u9fff]/;

describe("the web pages' words", () => {
  it("has every English key in Chinese, of the same kind, and no other", () => {
    const english = leaves(en as Tree);
    const chinese = leaves(zh as Tree);
    expect(chinese.map(([path]) => path)).toEqual(english.map(([path]) => path));
    for (const [path, value] of english) {
      const other = chinese.find(([p]) => p === path)![1];
      expect(typeof other, path).toBe(typeof value);
      if (typeof value === "function") expect((other as () => unknown).length, path).toBe((value as () => unknown).length);
    }
  });

  it("says something in both languages for every key, and the Chinese is Chinese", () => {
    // Names of the languages and codes that read the same in both are the only exceptions.
    const sameInBoth = new Set(["appName", "landing.title", "languageName", "switchTo", "switchToLabel"]);
    for (const [path, value] of leaves(en as Tree)) expect(said(value).trim(), path).not.toBe("");
    for (const [path, value] of leaves(zh as Tree)) {
      expect(said(value).trim(), path).not.toBe("");
      if (!sameInBoth.has(path)) expect(said(value), path).toMatch(CJK);
    }
  });

  it("has a sentence for every error code of the ground's catalogue and every reason a record is refused", () => {
    for (const code of Object.keys(ERROR_STATUS)) {
      expect(en.errors[code as keyof typeof en.errors], code).toBeTruthy();
      expect(zh.errors[code as keyof typeof zh.errors], code).toMatch(CJK);
    }
    for (const reason of RECORD_REJECTIONS) {
      expect(en.attention.reasons[reason], reason).toBeTruthy();
      expect(zh.attention.reasons[reason], reason).toMatch(CJK);
    }
  });
});
