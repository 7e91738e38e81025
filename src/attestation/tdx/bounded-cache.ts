// A small insertion-ordered cache of promises for verified artefacts (chains, CRLs, collateral); failures are not kept.

export class BoundedPromiseCache<V> {
  readonly #entries = new Map<string, Promise<V>>();

  constructor(readonly capacity: number) {}

  /** Returns the cached promise for `key` or starts `make()`; a rejected promise is evicted. */
  get(key: string, make: () => Promise<V>): Promise<V> {
    const hit = this.#entries.get(key);
    if (hit !== undefined) return hit;
    const p = make();
    this.#entries.set(key, p);
    p.catch(() => this.#entries.delete(key));
    while (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    return p;
  }

  get size(): number {
    return this.#entries.size;
  }
}
