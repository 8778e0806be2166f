import { distance } from 'fastest-levenshtein';

function commonPrefixLength(a: string, b: string): number {
  let length = 0;
  while (length < a.length && length < b.length && a[length] === b[length]) length++;
  return length;
}

/**
 * The candidate a misspelt name most likely meant, if any is close enough: a few letters apart
 * (`prot` for `port`), or sharing most of its beginning (`connectTimeoutMs` for
 * `connectTimeoutSeconds`). Case is ignored.
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const word = name.toLowerCase();
  const scored = candidates.map((candidate) => ({
    candidate,
    distance: distance(word, candidate.toLowerCase()),
    prefix: commonPrefixLength(word, candidate.toLowerCase()),
  }));
  const nearest = scored.reduce<(typeof scored)[number] | undefined>(
    (best, next) => (best === undefined || next.distance < best.distance ? next : best),
    undefined,
  );
  if (nearest && nearest.distance <= Math.max(2, Math.floor(word.length / 3))) return nearest.candidate;
  const longest = scored.reduce<(typeof scored)[number] | undefined>(
    (best, next) => (best === undefined || next.prefix > best.prefix ? next : best),
    undefined,
  );
  if (longest && longest.prefix >= Math.max(4, Math.ceil(word.length * 0.6))) return longest.candidate;
  return undefined;
}
