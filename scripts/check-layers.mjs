#!/usr/bin/env node
// `npm run check:layers`: fails when a file imports across a layer it must not (scripts/layers.mjs).
import { checkLayers, RULES } from "./layers.mjs";

const root = new URL("..", import.meta.url).pathname;
const problems = checkLayers(root);
if (problems.length > 0) {
  console.error(`${problems.length} imports break the layers (docs/architecture.md):`);
  for (const problem of problems) console.error(`  ${problem}`);
  process.exit(1);
}
console.log(`layers: ${RULES.length} import rules hold`);
