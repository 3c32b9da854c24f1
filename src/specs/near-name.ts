// Finds the allowed name nearest to a mistyped one, for the "did you mean …?" part of user-file errors.

/** Case, `-`, `_` and spaces don't count: `pre-build` is near `pre_build`, `Version` is `version`. */
function canon(name: string): string {
  return name.toLowerCase().replace(/[-_\s]/g, '');
}

/** Damerau (optimal string alignment) distance: a swapped pair of letters counts as one edit. */
function distance(a: string, b: string): number {
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) d.push([i, ...Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

export interface NearOptions {
  /** The most edits still taken for a typo; by default a third of the name's length, at least `minLimit`. */
  readonly minLimit?: number;
}

/** The closest candidate, when it is close enough to be a likely typo (a shared prefix of 3+ counts as close). */
export function nearName(name: string, candidates: Iterable<string>, options: NearOptions = {}): string | undefined {
  const wanted = canon(name);
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const other = canon(c);
    const prefixed = wanted.length >= 3 && (other.startsWith(wanted) || wanted.startsWith(other));
    const score = other === wanted ? 0 : prefixed ? 1 : distance(wanted, other);
    if (score < bestScore) {
      best = c;
      bestScore = score;
    }
  }
  const limit = Math.max(options.minLimit ?? 1, Math.floor(Math.max(wanted.length, 3) / 3));
  return best !== undefined && bestScore <= limit ? best : undefined;
}

export function didYouMean(name: string, candidates: Iterable<string>, options?: NearOptions): string | undefined {
  const near = nearName(name, candidates, options);
  return near === undefined ? undefined : `did you mean ${near}?`;
}
