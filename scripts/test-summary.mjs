// The closing line of `npm test` over vitest's JSON reports: `tests: N passed, N failed,
// N skipped`. A skipped test is listed by name; unless test/allowed-skips.txt lists it with a
// reason, the run fails (a skip must be a decision, not an accident of the machine).
// Usage: node scripts/test-summary.mjs <allowed-skips.txt> <report.json>...
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

const [allowedFile, ...reports] = process.argv.slice(2);
/** `<file> > <full test name> | <reason>` per line; `#` starts a comment. */
const allowed = new Map();
for (const line of readFileSync(allowedFile, 'utf8').split('\n')) {
  const text = line.trim();
  if (text === '' || text.startsWith('#')) continue;
  const bar = text.lastIndexOf(' | ');
  if (bar === -1 || text.slice(bar + 3).trim() === '') {
    console.error(`${allowedFile}: "${text}" has no reason (write "<test> | <reason>")`);
    process.exit(1);
  }
  allowed.set(text.slice(0, bar).trim(), text.slice(bar + 3).trim());
}

let passed = 0;
let failed = 0;
const skipped = [];
for (const file of reports) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  for (const result of report.testResults) {
    const path = relative(process.cwd(), result.name);
    for (const test of result.assertionResults) {
      if (['pending', 'skipped', 'todo'].includes(test.status)) {
        skipped.push(`${path} > ${test.fullName}`);
      }
    }
  }
}
const unexplained = skipped.filter((name) => !allowed.has(name));
for (const name of skipped) {
  console.log(
    `skipped: ${name}${allowed.has(name) ? ` (${allowed.get(name)})` : ' (NOT ALLOWED)'}`,
  );
}
if (unexplained.length > 0) {
  console.log(
    `${unexplained.length} skipped test(s) are not listed in ${allowedFile} with a reason: ` +
      'make them run, or list them there',
  );
}
// the closing line stays the last line
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped.length} skipped`);
if (passed === 0 || failed > 0 || unexplained.length > 0) process.exit(1);
