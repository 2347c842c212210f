// Prints "N passed, N failed" from jest's --json output, plus Playwright's JSON report when given as a second
// file (the browser tests); exits non-zero when anything failed or nothing ran.
const fs = require("node:fs");

const [file, e2eFile] = process.argv.slice(2);
let results;
try {
  results = JSON.parse(fs.readFileSync(file, "utf8"));
} catch (error) {
  console.log("0 passed, 0 failed");
  console.error(`ci: no jest results in ${file}: ${error.message}`);
  process.exit(1);
}
let passed = results.numPassedTests ?? 0;
let failed = (results.numFailedTests ?? 0) + (results.numRuntimeErrorTestSuites ?? 0);
let skipped = (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0);
let ok = results.success !== false;

if (e2eFile) {
  try {
    const e2e = JSON.parse(fs.readFileSync(e2eFile, "utf8"));
    const stats = e2e.stats ?? {};
    passed += (stats.expected ?? 0) + (stats.flaky ?? 0);
    failed += stats.unexpected ?? 0;
    skipped += stats.skipped ?? 0;
    // A global setup that failed leaves errors and no tests: count it as a failure.
    if ((e2e.errors ?? []).length > 0) failed += e2e.errors.length;
  } catch (error) {
    failed += 1;
    ok = false;
    console.error(`ci: no browser-test results in ${e2eFile}: ${error.message}`);
  }
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || passed === 0 || !ok ? 1 : 0);
