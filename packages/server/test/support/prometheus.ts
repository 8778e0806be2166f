/** One scrape of a Prometheus text exposition. */
export class Scrape {
  readonly #samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  readonly #types = new Map<string, string>();

  constructor(readonly text: string) {
    for (const line of text.split('\n')) {
      const type = /^# TYPE (\S+) (\S+)$/.exec(line);
      if (type) this.#types.set(type[1] as string, type[2] as string);
      const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!sample) continue;
      const labels: Record<string, string> = {};
      for (const [, key, value] of (sample[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
        labels[key as string] = value as string;
      this.#samples.push({ name: sample[1] as string, labels, value: Number(sample[3]) });
    }
  }

  /** Fetches `/metrics` of a registry. */
  static async of(baseUrl: string): Promise<Scrape> {
    const res = await fetch(new URL('/metrics', baseUrl));
    if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
    return new Scrape(await res.text());
  }

  /**
   * Scrapes until `settled` holds of the scrape (or two seconds have passed). A response reaches
   * the client a moment before the server has counted it, so a scrape right after may miss it.
   */
  static async when(baseUrl: string, settled: (scrape: Scrape) => boolean): Promise<Scrape> {
    let scrape = await Scrape.of(baseUrl);
    for (let waited = 0; !settled(scrape) && waited < 2_000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      scrape = await Scrape.of(baseUrl);
    }
    return scrape;
  }

  /** The type of a metric family, when the scrape declares it. */
  typeOf(name: string): string | undefined {
    return this.#types.get(name);
  }

  /** Whether any sample of `name` has (at least) these labels. */
  has(name: string, labels: Record<string, string> = {}): boolean {
    return this.#matching(name, labels).length > 0;
  }

  /** The sum of the samples of `name` that have (at least) these labels; 0 when there are none. */
  value(name: string, labels: Record<string, string> = {}): number {
    return this.#matching(name, labels).reduce((sum, sample) => sum + sample.value, 0);
  }

  #matching(name: string, labels: Record<string, string>) {
    return this.#samples.filter(
      (sample) =>
        sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    );
  }
}

/** How much a series moved between two scrapes. */
export function delta(
  before: Scrape,
  after: Scrape,
  name: string,
  labels: Record<string, string> = {},
): number {
  return after.value(name, labels) - before.value(name, labels);
}
