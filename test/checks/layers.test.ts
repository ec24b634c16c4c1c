/** The layer rules of docs/architecture.md: they hold on the repository, and they catch a breach. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without types
import { checkLayers, importsOf } from "../../scripts/layers.mjs";
// @ts-expect-error: a plain .mjs script without types
import { longFunctions } from "../../scripts/long-functions.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const check = checkLayers as (root: string) => string[];

describe("the layer rules", () => {
  const fixture = mkdtempSync(join(tmpdir(), "cabinpay-layers-"));
  afterAll(() => rmSync(fixture, { recursive: true, force: true }));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(fixture, path)), { recursive: true });
    writeFileSync(join(fixture, path), text);
  };

  it("hold on the repository", () => {
    expect(check(ROOT)).toEqual([]);
  });

  it("catch a route with SQL, a route importing a route, a service on fastify, a renderer on the core", () => {
    write(
      "ground-settlement/src/routes/a.ts",
      'import { eq } from "drizzle-orm";\nimport { x } from "./b.js";\nimport { S } from "../dto/common.js";\n',
    );
    write(
      "ground-settlement/web/src/page.tsx",
      'import type { FlightRowDto } from "../../src/dto/finance.js";\nimport { ledger } from "../../src/services/x.js";\n',
    );
    write("ground-settlement/src/routes/b.ts", 'import { ledger } from "../ledger/ledger.js";\n');
    write("ground-settlement/src/services/c.ts", 'import type { FastifyInstance } from "fastify";\nimport { q } from "bullmq";\n');
    write(
      "cabin-terminal/src/renderer/d.tsx",
      'import type { ChargeResult } from "../core/sales/sell.js";\nconst fs = await import("node:fs");\n',
    );
    write("cabin-terminal/src/api/e.ts", 'export type { X } from "../core/x.js";\n');
    write("cabin-terminal/test/f.test.ts", 'import { createTestApp } from "../../ground-settlement/test/support/app.js";\n');
    const problems = check(fixture);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining("routes/a.ts: imports drizzle-orm"),
        expect.stringContaining("routes/a.ts: imports ./b.js (no route imports another route"),
        expect.stringContaining("routes/b.ts: imports ../ledger/ledger.js"),
        expect.stringContaining("services/c.ts: imports fastify"),
        expect.stringContaining("services/c.ts: imports bullmq"),
        expect.stringContaining("renderer/d.tsx: imports ../core/sales/sell.js"),
        expect.stringContaining("renderer/d.tsx: imports node:fs"),
        expect.stringContaining("api/e.ts: imports ../core/x.js"),
        expect.stringContaining("web/src/page.tsx: imports ../../src/services/x.js"),
        expect.stringContaining("cabin-terminal/test/f.test.ts: imports ../../ground-settlement/test/support/app.js"),
      ]),
    );
    expect(problems.some((p) => p.includes("dto/"))).toBe(false);
  });

  it("read every form of import", () => {
    const source =
      'import a from "x";\nimport { b } from "y";\nimport "z";\nexport * from "w";\nconst m = await import("v");\nimport type {\n  T,\n} from "u";\n';
    expect(importsOf(source)).toEqual(["x", "y", "z", "w", "v", "u"]);
  });

  it("find a function over the limit unless a comment starting Long: says why", () => {
    const body = Array.from({ length: 72 }, (_, i) => `  const v${i} = ${i};`).join("\n");
    write(
      "ground-settlement/src/services/long.ts",
      `export function tooLong() {\n${body}\n}\n\n/** Long: a table that reads best whole. */\nexport function explained() {\n${body}\n}\n`,
    );
    const found = (longFunctions as (root: string, folders: string[]) => string[])(fixture, ["ground-settlement/src/services"]);
    expect(found).toEqual(["ground-settlement/src/services/long.ts:1 tooLong (74 lines)"]);
  });

  it("hold on the repository for function length", () => {
    expect((longFunctions as (root: string) => string[])(ROOT)).toEqual([]);
  });
});
