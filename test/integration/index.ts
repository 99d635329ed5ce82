// extensionTestsPath entry: the VS Code extension host loads this file and calls run().
// Runs every *.test.js next to it (bundled from test/integration/*.test.ts) with mocha's TDD UI
// (suite/test/suiteSetup/setup...). Ends with the line "N passed, M failed".
// env: OD_TEST_GREP=<regexp> runs only matching tests.
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

function testFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of fs.readdirSync(dir)) {
    const p = path.join(dir, name);
    if (fs.statSync(p).isDirectory()) out.push(...testFiles(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out.sort();
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000, reporter: 'spec' });
  if (process.env.OD_TEST_GREP) mocha.grep(new RegExp(process.env.OD_TEST_GREP));
  const files = testFiles(__dirname);
  for (const f of files) mocha.addFile(f);
  return new Promise((resolve, reject) => {
    if (files.length === 0) {
      console.log('0 passed, 1 failed');
      reject(new Error(`no *.test.js files in ${__dirname}`));
      return;
    }
    const runner = mocha.run((failures) => {
      const passes = runner.stats?.passes ?? 0;
      const pending = runner.stats?.pending ?? 0;
      if (pending) console.log(`${pending} pending`);
      console.log(`${passes} passed, ${failures} failed`);
      if (failures > 0) reject(new Error(`${failures} test(s) failed`));
      else resolve();
    });
  });
}
