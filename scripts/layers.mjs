// The import rules that keep the layers (docs/architecture.md), checked over the source files.
// Each rule names the files it governs and the imports they must not make; `checkLayers` returns
// every breach as "file: imports X (rule)". Run by `npm run check:layers` in CI.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";

/** A file's imports: static, dynamic and re-exports, as written. */
export function importsOf(source) {
  const found = [];
  const pattern =
    /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|(?:^|[\s;])import\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/gm;
  for (const match of source.matchAll(pattern)) found.push(match[1] ?? match[2] ?? match[3]);
  return found;
}

/**
 * `files`: folders (relative to the root) the rule governs. `forbid`: what they must not import;
 * a package name, a prefix ending in "*", or a folder (relative to the root) matched against
 * the resolved path of a relative import. `except`: folders inside `files` the rule leaves alone.
 */
export const RULES = [
  {
    name: "routes call services: no SQL, ledger, jobs or queue in a route",
    files: ["ground-settlement/src/routes"],
    forbid: ["drizzle-orm", "bullmq", "ground-settlement/src/db", "ground-settlement/src/ledger", "ground-settlement/src/jobs"],
  },
  {
    name: "no route imports another route",
    files: ["ground-settlement/src/routes"],
    forbidSiblings: { folder: "ground-settlement/src/routes", allowed: [] },
  },
  {
    name: "the DTOs are TypeBox only, so the web pages can import their types",
    files: ["ground-settlement/src/dto"],
    forbid: [
      "fastify",
      "@fastify/*",
      "drizzle-orm",
      "bullmq",
      "node:*",
      "ground-settlement/src/db",
      "ground-settlement/src/services",
      "ground-settlement/src/routes",
      "ground-settlement/src/ledger",
    ],
  },
  {
    name: "web pages reach the ground through HTTP only, typed by its DTOs",
    files: ["ground-settlement/web/src"],
    forbid: [
      "node:*",
      "fastify",
      "drizzle-orm",
      "ground-settlement/src/routes",
      "ground-settlement/src/services",
      "ground-settlement/src/db",
      "ground-settlement/src/ledger",
      "ground-settlement/src/jobs",
      "ground-settlement/src/plugins",
      "ground-settlement/src/runtime",
    ],
  },
  {
    name: "services and the ledger import no framework",
    files: ["ground-settlement/src/services", "ground-settlement/src/ledger"],
    forbid: [
      "fastify",
      "fastify-plugin",
      "@fastify/*",
      "bullmq",
      "ioredis",
      "ground-settlement/src/routes",
      "ground-settlement/src/plugins",
      "ground-settlement/src/jobs",
      "ground-settlement/src/runtime",
    ],
  },
  {
    name: "the ledger stands below the services",
    files: ["ground-settlement/src/ledger"],
    forbid: ["ground-settlement/src/services"],
  },
  {
    name: "shared is the protocol: it imports neither package",
    files: ["shared/src"],
    forbid: ["@cabinpay/ground-settlement", "@cabinpay/cabin-terminal", "ground-settlement", "cabin-terminal"],
  },
  {
    name: "the terminal contract stands alone: api/ imports nothing from core/",
    files: ["cabin-terminal/src/api"],
    forbid: ["cabin-terminal/src/core", "cabin-terminal/src/main", "cabin-terminal/src/host", "node:*", "better-sqlite3", "electron"],
  },
  {
    name: "the renderer talks only to the typed terminal API",
    files: ["cabin-terminal/src/renderer"],
    forbid: [
      "cabin-terminal/src/core",
      "cabin-terminal/src/main",
      "cabin-terminal/src/host",
      "cabin-terminal/src/cli",
      "node:*",
      "better-sqlite3",
      "electron",
    ],
  },
  {
    name: "tests reach other packages by their names (@cabinpay/...), never by relative paths",
    files: ["cabin-terminal/test", "ground-settlement/test", "test"],
    forbid: ["shared", "testkit"],
  },
  {
    name: "the terminal's tests reach the ground by its name",
    files: ["cabin-terminal/test", "test"],
    forbid: ["ground-settlement"],
  },
  {
    name: "the ground's tests and the end-to-end tests reach the terminal by its name",
    files: ["ground-settlement/test", "test"],
    forbid: ["cabin-terminal"],
  },
  {
    name: "the testkit serves every package, so it imports neither",
    files: ["testkit/src"],
    forbid: ["@cabinpay/ground-settlement", "@cabinpay/cabin-terminal", "ground-settlement", "cabin-terminal"],
  },
  {
    name: "the terminal core is plain Node: no Electron, no renderer",
    files: ["cabin-terminal/src/core"],
    forbid: ["electron", "cabin-terminal/src/renderer", "cabin-terminal/src/main", "cabin-terminal/src/host"],
  },
];

const SOURCE = /\.(ts|tsx|mts|cts|mjs|js)$/;

function filesUnder(root, folder) {
  const start = join(root, folder);
  let entries;
  try {
    entries = readdirSync(start);
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(start, entry);
    if (statSync(path).isDirectory()) return filesUnder(root, join(folder, entry));
    return SOURCE.test(entry) ? [join(folder, entry)] : [];
  });
}

function breaches(root, file, specifier, rule) {
  const target = specifier.startsWith(".")
    ? relative(root, resolve(root, file, "..", specifier))
        .split(sep)
        .join("/")
    : undefined;
  const out = [];
  for (const forbidden of rule.forbid ?? []) {
    const hit =
      target !== undefined
        ? target === forbidden || target.startsWith(`${forbidden}/`)
        : forbidden.endsWith("*")
          ? specifier.startsWith(forbidden.slice(0, -1))
          : specifier === forbidden || specifier.startsWith(`${forbidden}/`);
    if (hit) out.push(`${file}: imports ${specifier} (${rule.name})`);
  }
  const siblings = rule.forbidSiblings;
  if (siblings && target?.startsWith(`${siblings.folder}/`)) {
    const name = target.slice(siblings.folder.length + 1).replace(/\.js$/, ".ts");
    if (!siblings.allowed.includes(name)) out.push(`${file}: imports ${specifier} (${rule.name})`);
  }
  return out;
}

export function checkLayers(root, rules = RULES) {
  const problems = [];
  for (const rule of rules) {
    for (const folder of rule.files) {
      for (const file of filesUnder(root, folder)) {
        for (const specifier of importsOf(readFileSync(join(root, file), "utf8"))) problems.push(...breaches(root, file, specifier, rule));
      }
    }
  }
  return problems;
}
