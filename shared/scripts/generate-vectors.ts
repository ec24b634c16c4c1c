/**
 * Writes shared/test-vectors/*.json. Run after a deliberate protocol change (`npm run vectors`),
 * review the diff, and commit it with the change; vectors.test.ts fails while they disagree.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { renderVectorFiles } from "../test/support/vectors.js";

const directory = new URL("../test-vectors/", import.meta.url);
mkdirSync(directory, { recursive: true });
for (const [file, text] of Object.entries(renderVectorFiles())) {
  writeFileSync(new URL(file, directory), text);
  const count = (JSON.parse(text) as { vectors: unknown[] }).vectors.length;
  console.log(`wrote test-vectors/${file} (${count} vectors)`);
}
