// Code coverage report formats: Cobertura and JaCoCo XML, per source file, as CodeBuild's CodeCoverage counts.
import { XMLParser } from 'fast-xml-parser';
import { ReportParseError } from './junit.ts';

export interface FileCoverage {
  readonly filePath: string;
  readonly linesCovered: number;
  readonly linesMissed: number;
  readonly branchesCovered: number;
  readonly branchesMissed: number;
}

type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (_name, _jpath, _leaf, isAttribute) => !isAttribute,
  // JaCoCo reports name a DTD; nothing in it is needed.
  processEntities: true,
});

function parseXml(xml: string): XmlNode {
  try {
    return parser.parse(xml.replace(/^\uFEFF/, ''), true) as XmlNode;
  } catch (error) {
    throw new ReportParseError(`not well-formed XML: ${(error as Error).message}`, { cause: error });
  }
}

function kids(node: XmlNode, name: string): XmlNode[] {
  const v = node[name];
  return Array.isArray(v) ? v.map((x) => (typeof x === 'object' && x !== null ? (x as XmlNode) : {})) : [];
}

function attr(node: XmlNode, name: string): string {
  const v = node[`@_${name}`];
  return typeof v === 'string' ? v : '';
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
