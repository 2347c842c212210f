// Prints "N passed, N failed" from jest's --json output; exits non-zero when anything failed or nothing ran.
const fs = require("node:fs");

const file = process.argv[2];
let results;
try {
  results = JSON.parse(fs.readFileSync(file, "utf8"));
} catch (error) {
  console.log("0 passed, 0 failed");
  console.error(`ci: no jest results in ${file}: ${error.message}`);
  process.exit(1);
}
const passed = results.numPassedTests ?? 0;
const failed = (results.numFailedTests ?? 0) + (results.numRuntimeErrorTestSuites ?? 0);
const skipped = (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || passed === 0 || results.success === false ? 1 : 0);
