// SHA-384 / SHA-256 for launch measurements, on Bun's native hasher (≈10× @noble/hashes here; see bench/measure.bench.ts).

/** A streaming hash: feed bytes, then take the digest (the hasher resets after `digest`). */
export interface StreamingHash {
  update(data: Uint8Array): StreamingHash;
  digest(): Uint8Array;
}

function createStreaming(algorithm: "sha384" | "sha256", size: number): StreamingHash {
  const hasher = new Bun.CryptoHasher(algorithm);
  const stream: StreamingHash = {
    update(data) {
      hasher.update(data);
      return stream;
    },
    digest() {
      return new Uint8Array(hasher.digest()).subarray(0, size);
    },
  };
  return stream;
}

export function createSha384(): StreamingHash {
  return createStreaming("sha384", 48);
}

export function createSha256(): StreamingHash {
  return createStreaming("sha256", 32);
}

export function sha384(data: Uint8Array): Uint8Array {
  return new Uint8Array(Bun.CryptoHasher.hash("sha384", data));
}

export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(Bun.CryptoHasher.hash("sha256", data));
}

/**
 * A reusable SHA-384 for hot loops (one PAGE_INFO per page): hashes into a private 64-byte buffer
 * and returns a view of its first 48 bytes, valid only until the next call.
 */
export function createSha384Into(): (data: Uint8Array) => Uint8Array {
  const hasher = new Bun.CryptoHasher("sha384");
  const out = new Uint8Array(64);
  const view = out.subarray(0, 48);
  return (data) => {
    hasher.update(data);
    hasher.digest(out);
    return view;
  };
}
