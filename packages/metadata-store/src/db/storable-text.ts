// PostgreSQL text cannot hold NUL, and drivers send an unpaired UTF-16 surrogate as U+FFFD, so
// neither would read back as given. With the `u` flag, \p{Cs} matches unpaired surrogates only.
const UNSTORABLE_TEXT = /[\0\p{Cs}]/u;

/** Whether PostgreSQL stores `text` and gives it back unchanged. */
export function isStorableText(text: string): boolean {
  return !UNSTORABLE_TEXT.test(text);
}

/**
 * Text given to the store that PostgreSQL cannot hold: a NUL character or an unpaired UTF-16
 * surrogate. No such text is ever stored, so it names nothing the store holds.
 */
export class UnstorableTextError extends Error {
  constructor() {
    super('text with a NUL character or an unpaired UTF-16 surrogate cannot be stored or looked up');
    this.name = 'UnstorableTextError';
  }
}
