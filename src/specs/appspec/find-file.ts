// Finds the appspec among a revision's files, pointing at a near name when only that exists (appspec.yml for appspec.yaml).
import type { Problem } from '../../core/errors.ts';
import { nearName } from '../taskdef/source.ts';

export type AppSpecFileResult = { readonly name: string; readonly problem?: undefined } | { readonly name?: undefined; readonly problem: Problem };

/** `names` are the file names present (paths relative to the artifact root); matching is exact, as CodeDeploy's is. */
export function findAppSpecFile(names: readonly string[], expected = 'appspec.yaml'): AppSpecFileResult {
  if (names.includes(expected)) return { name: expected };
  const near = nearName(expected, names);
  return {
    problem: {
      file: expected,
      field: '(file)',
      found: near === undefined ? 'no such file' : `no ${expected}`,
      expected: `a file named ${expected} in the artifact`,
      ...(near === undefined ? {} : { suggestion: `${near} found; the action expects ${expected}` }),
    },
  };
}
