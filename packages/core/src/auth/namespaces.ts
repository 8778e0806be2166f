/**
 * Finds the namespace a repository belongs to: the longest configured prefix it lies under, or
 * else its first path component.
 */
export class NamespaceResolver {
  readonly #prefixes: string[];

  constructor(prefixes: readonly string[]) {
    this.#prefixes = [...prefixes].sort((a, b) => b.length - a.length);
  }

  namespaceOf(repository: string): string {
    const prefix = this.#prefixes.find((candidate) => repository.startsWith(`${candidate}/`));
    return prefix ?? repository.split('/', 1)[0]!;
  }
}
