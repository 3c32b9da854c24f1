// `slipway build` end to end through main(): a throwaway Slipway runs the build, prints its log and extracts its artifacts.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { main } from './main.ts';
import { parseEnvFile } from './build.ts';

const skipEngine = process.env['SLIPWAY_SKIP_ENGINE'] === '1' ? 'SLIPWAY_SKIP_ENGINE=1' : undefined;
const temps: string[] = [];

function temp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-build-test-'));
  temps.push(dir);
  return dir;
}

after(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

async function run(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['build', ...args], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

const PASSING = `version: 0.2
phases:
  build:
    commands:
      - echo "greeting=$GREETING from=$FROM_FILE"
      - mkdir -p out/sub && echo one > out/a.txt && echo two > out/sub/b.txt && echo docs > notes.txt
artifacts:
  base-directory: out
  files:
    - '**/*'
  secondary-artifacts:
    docs:
      files:
        - notes.txt
`;

test('--host: the log as it runs, -e and --env-file overrides, -a extracts primary and secondary artifacts, --json prints the build', async () => {
  const src = temp();
  writeFileSync(join(src, 'buildspec.yml'), PASSING);
  const envFile = join(temp(), 'build.env');
  writeFileSync(envFile, '# comment\n\nFROM_FILE="quoted"\nGREETING=overridden\n');
  const artifacts = join(temp(), 'artifacts');
  const r = await run(src, '--host', '--env-file', envFile, '-e', 'GREETING=hello', '-a', artifacts, '--json');
  assert.equal(r.code, 0, r.err.join('\n'));
  // The env file keeps quotes, as AWS's local agent does; -e wins over the file.
  assert.ok(r.err.includes('greeting=hello from="quoted"'), r.err.join('\n'));
  assert.ok(r.err.some((l) => /^\[Container\] \d{4}\/\d\d\/\d\d .*Running command echo/.test(l)));
  assert.equal(readFileSync(join(artifacts, 'a.txt'), 'utf8'), 'one\n');
  assert.equal(readFileSync(join(artifacts, 'sub', 'b.txt'), 'utf8'), 'two\n');
  assert.equal(readFileSync(join(artifacts, 'docs', 'notes.txt'), 'utf8'), 'docs\n');
  assert.deepEqual(readdirSync(artifacts).sort(), ['a.txt', 'docs', 'sub']);
  const built = JSON.parse(r.out.join('\n')) as Record<string, unknown> & { artifacts: { sha256sum?: string; location?: string }; secondaryArtifacts: { artifactIdentifier?: string }[] };
  assert.equal(built['buildStatus'], 'SUCCEEDED');
  assert.equal(built['buildComplete'], true);
  assert.equal(built['currentPhase'], 'COMPLETED');
  assert.match(String(built['id']), /^local-slipway-build-test-\w+:[0-9a-f-]{36}$/);
  assert.match(built.artifacts.sha256sum ?? '', /^[0-9a-f]{64}$/);
  assert.deepEqual(
    built.secondaryArtifacts.map((a) => a.artifactIdentifier),
    ['docs'],
  );
  assert.ok((built['environment'] as { environmentVariables: { name: string }[] }).environmentVariables.some((v) => v.name === 'GREETING'));
});

test('a failing build exits 1 with its log on stdout; -b is a file relative to the working directory', async () => {
  const src = temp();
  const spec = join(temp(), 'failing.yml');
  writeFileSync(spec, 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo before\n      - exit 3\n');
  const r = await run(src, '--host', '-b', relative(process.cwd(), spec));
  assert.equal(r.code, 1);
  assert.ok(r.out.includes('before'), r.out.join('\n'));
  assert.ok(r.out.some((l) => l.includes('Error while executing command: exit 3. Reason: exit status 3')), r.out.join('\n'));
  assert.match(r.out.at(-1) ?? '', /^Build local-slipway-build-test-\w+:[0-9a-f-]{36} FAILED\.$/);
});

test('usage problems exit before anything runs', async () => {
  const missing = await run(join(temp(), 'nope'), '--host');
  assert.equal(missing.code, 2);
  assert.match(missing.err.join('\n'), /source directory .*nope: not found or not a directory/);
  const noSpec = await run(temp(), '--host', '-b', 'no-such-buildspec.yml');
  assert.equal(noSpec.code, 2);
  assert.match(noSpec.err.join('\n'), /-b no-such-buildspec\.yml: cannot read/);
  const badEnv = await run(temp(), '--host', '-e', 'NOEQUALS');
  assert.notEqual(badEnv.code, 0);
  assert.match(badEnv.err.join('\n'), /found "NOEQUALS", expected NAME=VALUE/);
  assert.throws(() => parseEnvFile('A=1\nBROKEN\n', 'x.env'), /x\.env line 2: found "BROKEN", expected NAME=VALUE/);
  assert.deepEqual(parseEnvFile('A=1=2\r\n  # c\nB=\n', 'x.env'), [
    { name: 'A', value: '1=2' },
    { name: 'B', value: '' },
  ]);
});

test('a container build on the real engine in the default image', { skip: skipEngine }, async () => {
  const src = temp();
  writeFileSync(join(src, 'buildspec.yml'), 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo "node $(node --version) in $CODEBUILD_BUILD_IMAGE"\n');
  const r = await run(src);
  assert.equal(r.code, 0, r.out.join('\n') + r.err.join('\n'));
  assert.ok(r.out.some((l) => /^node v24\.\S+ in aws\/codebuild\/amazonlinux-x86_64-standard:5\.0$/.test(l)), r.out.join('\n'));
});
