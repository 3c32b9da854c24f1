// Finds the nearest allowed name to a mistyped one, for "did you mean …?" suggestions.

function canon(name: string): string {
  return name.toLowerCase().replace(/[-_\s]/g, '');
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] ?? 0;
      row[j] = Math.min(cur + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] ?? 0;
}

/** The closest candidate, when it is close enough to be a likely typo. */
export function nearest(name: string, candidates: readonly string[]): string | undefined {
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
  const limit = Math.max(1, Math.floor(Math.max(wanted.length, 3) / 3));
  return best !== undefined && bestScore <= limit ? best : undefined;
}

export function didYouMean(name: string, candidates: readonly string[]): string | undefined {
  const near = nearest(name, candidates);
  return near === undefined ? undefined : `did you mean ${near}?`;
}
