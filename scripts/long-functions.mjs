#!/usr/bin/env node
// `npm run check:functions`: no function in the ground's services and ledger or the terminal's core
// longer than FUNCTION_LINES_MAX lines, unless a comment just before it starts with "Long:" and
// says why it must be. Measured with the TypeScript parser: a function's lines, first to last.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

export const FUNCTION_LINES_MAX = 70;
export const FOLDERS = ["ground-settlement/src/services", "ground-settlement/src/ledger", "cabin-terminal/src/core"];

function filesUnder(folder) {
  return readdirSync(folder).flatMap((entry) => {
    const path = join(folder, entry);
    if (statSync(path).isDirectory()) return filesUnder(path);
    return /\.tsx?$/.test(entry) ? [path] : [];
  });
}

/** Functions over the limit without a "Long:" comment, as "file:line name (N lines)". */
export function longFunctions(root, folders = FOLDERS, linesMax = FUNCTION_LINES_MAX) {
  const found = [];
  for (const file of folders.flatMap((folder) => filesUnder(join(root, folder)))) {
    const text = readFileSync(file, "utf8");
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = (node) => {
      if (ts.isFunctionLike(node) && "body" in node && node.body !== undefined) {
        const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
        const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
        const lines = last - first + 1;
        if (lines > linesMax && !explained(text, statementOf(node))) {
          found.push(`${relative(root, file)}:${first + 1} ${nameOf(node)} (${lines} lines)`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

/** The statement a function belongs to (`const f = () => …`, `export function f`), whose comment explains it. */
function statementOf(node) {
  let at = node;
  while (at.parent !== undefined && !ts.isSourceFile(at.parent) && !ts.isBlock(at.parent) && !ts.isClassLike(at.parent)) at = at.parent;
  return at;
}

function explained(text, node) {
  const comments = ts.getLeadingCommentRanges(text, node.getFullStart()) ?? [];
  return comments.some((range) => /^\s*(\/\*\*?|\/\/)\s*\*?\s*Long:/m.test(text.slice(range.pos, range.end).replace(/^\s*\*\s?/gm, "")));
}

function nameOf(node) {
  if (node.name !== undefined) return node.name.getText();
  const parent = node.parent;
  if (parent !== undefined && ts.isVariableDeclaration(parent)) return parent.name.getText();
  if (parent !== undefined && ts.isPropertyAssignment(parent)) return parent.name.getText();
  return "(anonymous)";
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = new URL("..", import.meta.url).pathname;
  const found = longFunctions(root);
  if (found.length > 0) {
    console.error(`${found.length} functions are longer than ${FUNCTION_LINES_MAX} lines without a "Long:" comment saying why:`);
    for (const line of found) console.error(`  ${line}`);
    process.exit(1);
  }
  console.log(`functions: none over ${FUNCTION_LINES_MAX} lines unexplained in ${FOLDERS.join(", ")}`);
}
