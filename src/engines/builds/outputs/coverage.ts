// Code coverage report formats: Cobertura and JaCoCo XML, per source file, as CodeBuild's CodeCoverage counts.
import { attr, kids, parseXml, ReportParseError, type XmlNode } from './xml.ts';

export interface FileCoverage {
  readonly filePath: string;
  readonly linesCovered: number;
  readonly linesMissed: number;
  readonly branchesCovered: number;
  readonly branchesMissed: number;
}

function count(value: string): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

/** Cobertura (coverage.py, istanbul's cobertura reporter, coverlet): lines and condition-coverage per file. */
export function parseCoberturaXml(xml: string): FileCoverage[] {
  const root = kids(parseXml(xml), 'coverage')[0];
  if (root === undefined) throw new ReportParseError('no <coverage> root element: expected Cobertura XML');
  // Several <class> elements may share a file (inner classes): a line counts once, with its best hit count.
  const files = new Map<string, Map<number, { hits: number; covered: number; total: number }>>();
  for (const pkgs of kids(root, 'packages')) {
    for (const pkg of kids(pkgs, 'package')) {
      for (const classes of kids(pkg, 'classes')) {
        for (const cls of kids(classes, 'class')) {
          const file = attr(cls, 'filename');
          const lines = files.get(file) ?? new Map<number, { hits: number; covered: number; total: number }>();
          files.set(file, lines);
          for (const ls of kids(cls, 'lines')) {
            for (const line of kids(ls, 'line')) {
              const nr = count(attr(line, 'number'));
              const hits = count(attr(line, 'hits'));
              const cond = /\((\d+)\/(\d+)\)/.exec(attr(line, 'condition-coverage'));
              const covered = cond === null ? 0 : Number(cond[1]);
              const total = cond === null ? 0 : Number(cond[2]);
              const before = lines.get(nr);
              lines.set(nr, {
                hits: Math.max(hits, before?.hits ?? 0),
                covered: Math.max(covered, before?.covered ?? 0),
                total: Math.max(total, before?.total ?? 0),
              });
            }
          }
        }
      }
    }
  }
  return [...files].map(([filePath, lines]) => {
    let linesCovered = 0;
    let branchesCovered = 0;
    let branchesTotal = 0;
    for (const l of lines.values()) {
      if (l.hits > 0) linesCovered++;
      branchesCovered += l.covered;
      branchesTotal += l.total;
    }
    return { filePath, linesCovered, linesMissed: lines.size - linesCovered, branchesCovered, branchesMissed: branchesTotal - branchesCovered };
  });
}

/** JaCoCo XML: each package's sourcefile LINE and BRANCH counters; the path is `<package>/<file>`. */
export function parseJaCoCoXml(xml: string): FileCoverage[] {
  const root = kids(parseXml(xml), 'report')[0];
  if (root === undefined) throw new ReportParseError('no <report> root element: expected JaCoCo XML');
  const out: FileCoverage[] = [];
  const walk = (node: XmlNode): void => {
    for (const group of kids(node, 'group')) walk(group);
    for (const pkg of kids(node, 'package')) {
      for (const sf of kids(pkg, 'sourcefile')) {
        const counter = (type: string): { missed: number; covered: number } => {
          const c = kids(sf, 'counter').find((x) => attr(x, 'type') === type);
          return { missed: count(attr(c ?? {}, 'missed')), covered: count(attr(c ?? {}, 'covered')) };
        };
        const line = counter('LINE');
        const branch = counter('BRANCH');
        const dir = attr(pkg, 'name');
        out.push({
          filePath: dir === '' ? attr(sf, 'name') : `${dir}/${attr(sf, 'name')}`,
          linesCovered: line.covered,
          linesMissed: line.missed,
          branchesCovered: branch.covered,
          branchesMissed: branch.missed,
        });
      }
    }
  };
  walk(root);
  return out;
}

/** Covered share in percent with two decimals; 0 when there is nothing to cover. */
export function percentage(covered: number, missed: number): number {
  const total = covered + missed;
  return total === 0 ? 0 : Math.round((covered / total) * 10000) / 100;
}

/** Clover XML (istanbul's clover reporter, PHPUnit): `stmt` lines by count, `cond` lines as two branches each. */
export function parseCloverXml(xml: string): FileCoverage[] {
  const root = kids(parseXml(xml), 'coverage')[0];
  const project = root === undefined ? undefined : kids(root, 'project')[0];
  if (project === undefined) throw new ReportParseError('no <coverage><project> elements: expected Clover XML');
  const out: FileCoverage[] = [];
  const files = [...kids(project, 'file'), ...kids(project, 'package').flatMap((p) => kids(p, 'file'))];
  for (const file of files) {
    let linesCovered = 0;
    let linesMissed = 0;
    let branchesCovered = 0;
    let branchesMissed = 0;
    for (const line of kids(file, 'line')) {
      const type = attr(line, 'type');
      if (type === 'cond') {
        const hit = (count(attr(line, 'truecount')) > 0 ? 1 : 0) + (count(attr(line, 'falsecount')) > 0 ? 1 : 0);
        branchesCovered += hit;
        branchesMissed += 2 - hit;
      }
      if (type === 'stmt' || type === 'cond') {
        if (count(attr(line, 'count')) > 0 || count(attr(line, 'truecount')) + count(attr(line, 'falsecount')) > 0) linesCovered++;
        else linesMissed++;
      }
    }
    out.push({ filePath: attr(file, 'path') || attr(file, 'name'), linesCovered, linesMissed, branchesCovered, branchesMissed });
  }
  return out;
}

type SimpleCovFile = readonly (number | null)[] | { readonly lines?: readonly (number | string | null)[]; readonly branches?: Readonly<Record<string, Readonly<Record<string, number>>>> };

/**
 * SimpleCov's own JSON (`coverage/.resultset.json`, or `coverage.json` of its JSON formatter): per file a `lines`
 * array (null: not code, 0: missed, n: hits) and, with branch coverage on, `branches`.
 */
export function parseSimpleCovJson(text: string): FileCoverage[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new ReportParseError(`not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof doc !== 'object' || doc === null) throw new ReportParseError('expected a SimpleCov result set (a JSON object)');
  const tables: Array<Readonly<Record<string, SimpleCovFile>>> = [];
  const top = doc as Record<string, unknown>;
  if (typeof top['coverage'] === 'object' && top['coverage'] !== null) tables.push(top['coverage'] as Record<string, SimpleCovFile>);
  else {
    // .resultset.json: { "<command name>": { "coverage": {...}, "timestamp": n } }
    for (const v of Object.values(top)) {
      const cov = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)['coverage'] : undefined;
      if (typeof cov === 'object' && cov !== null) tables.push(cov as Record<string, SimpleCovFile>);
    }
  }
  if (tables.length === 0) throw new ReportParseError('no "coverage" table: expected SimpleCov JSON');
  const out = new Map<string, FileCoverage>();
  for (const table of tables) {
    for (const [filePath, entry] of Object.entries(table)) {
      const lines = Array.isArray(entry) ? (entry as readonly (number | null)[]) : ((entry as { lines?: readonly (number | string | null)[] }).lines ?? []);
      let linesCovered = 0;
      let linesMissed = 0;
      for (const l of lines) {
        if (typeof l !== 'number') continue; // null: not code; "ignored": nocov blocks
        if (l > 0) linesCovered++;
        else linesMissed++;
      }
      let branchesCovered = 0;
      let branchesMissed = 0;
      const branches = Array.isArray(entry) ? undefined : (entry as { branches?: Record<string, Record<string, number>> }).branches;
      for (const conditions of Object.values(branches ?? {})) {
        for (const hits of Object.values(conditions)) {
          if (hits > 0) branchesCovered++;
          else branchesMissed++;
        }
      }
      out.set(filePath, { filePath, linesCovered, linesMissed, branchesCovered, branchesMissed });
    }
  }
  return [...out.values()];
}
