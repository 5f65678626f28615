// Runs the vitest suites and fails on any failed or skipped test (vitest
// passes a run with skipped tests), printing how many passed per suite
// (per backend, for LangGraph's validation suite).
//   node test/run.mjs [vitest filters...]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "deltackpt-vitest-"));
const results = join(dir, "results.json");
const run = spawnSync(
  "npx",
  ["--no-install", "vitest", "run", "--reporter=dot", "--reporter=json", `--outputFile.json=${results}`, ...process.argv.slice(2)],
  { stdio: "inherit" },
);
let report;
try {
  report = JSON.parse(readFileSync(results, "utf8"));
} catch (e) {
  console.error(`run.mjs: vitest wrote no results (exit ${run.status}): ${e.message}`);
  process.exit(1);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const bySuite = new Map();
for (const file of report.testResults) {
  for (const test of file.assertionResults) {
    const suite = test.ancestorTitles[0] ?? file.name;
    const counts = bySuite.get(suite) ?? { passed: 0, failed: 0, skipped: 0 };
    if (test.status === "passed") counts.passed += 1;
    else if (test.status === "failed") counts.failed += 1;
    else counts.skipped += 1;  // pending, todo, skipped, disabled
    bySuite.set(suite, counts);
  }
}
let bad = run.status !== 0;
for (const [suite, c] of bySuite) {
  console.log(`${suite}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
  if (c.failed > 0 || c.skipped > 0 || c.passed === 0) bad = true;
}
console.log(`total: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ` +
            `${report.numPendingTests + report.numTodoTests} skipped of ${report.numTotalTests}`);
process.exit(bad ? 1 : 0);
