// Small insertion-ordered caches of promises for verified artefacts (chains, CRLs, collateral); failures are not kept.

import { toHex } from "../../common/bytes.ts";

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

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Caches results per exact byte content. The lookup key is cheap (scope, length and edge bytes; signed
 * objects end in their signature), and an entry is used only when its stored copy equals the input byte
 * for byte, so a colliding or later-mutated buffer never reuses a result verified for other bytes.
 */
export class ByteKeyedCache<V> {
  readonly #entries = new Map<string, { bytes: Uint8Array; value: Promise<V> }>();

  constructor(readonly capacity: number) {}

  get(bytes: Uint8Array, scope: string, make: (copy: Uint8Array) => Promise<V>): Promise<V> {
    const key = `${scope}:${bytes.length}:${toHex(bytes.subarray(0, 32))}:${toHex(bytes.subarray(-64))}`;
    const hit = this.#entries.get(key);
    if (hit !== undefined && sameBytes(hit.bytes, bytes)) return hit.value;
    const copy = bytes.slice();
    const entry = { bytes: copy, value: make(copy) };
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    entry.value.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    while (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    return entry.value;
  }

  get size(): number {
    return this.#entries.size;
  }
}
