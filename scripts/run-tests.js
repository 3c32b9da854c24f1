// Runs the whole test suite on Node 24 with node's own test runner; files run in parallel processes.
import { spawn } from 'node:child_process';

const major = Number(process.versions.node.split('.')[0]);
if (major !== 24) {
  process.stderr.write(`The tests run on Node.js 24 (this is ${process.version}); use \`npm test\`, which runs the project's own Node 24.\n`);
  process.exit(1);
}

const patterns = process.argv.slice(2);
const files = patterns.length > 0 ? patterns : ['src/**/*.test.ts', 'test/**/*.test.ts'];
const args = ['--test', '--test-reporter=spec', `--test-concurrency=${process.env['SLIPWAY_TEST_CONCURRENCY'] ?? '3'}`, '--test-timeout=600000', ...files];
const child = spawn(process.execPath, args, { stdio: 'inherit', env: { ...process.env, NODE_NO_WARNINGS: '1' } });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
