// SHA-2 digests, one-shot and streaming, on Bun's native hasher (≈10× @noble/hashes here; bench/measure.bench.ts).

export type DigestAlgorithm = "sha256" | "sha384" | "sha512";

/** A streaming hash: feed bytes or text (UTF-8), then take the digest (the hasher resets after `digest`). */
export interface StreamingHash {
  update(data: Uint8Array | string): StreamingHash;
  digest(): Uint8Array;
}

/** A streaming hash of `algorithm`. */
export function createDigest(algorithm: DigestAlgorithm): StreamingHash {
  const hasher = new Bun.CryptoHasher(algorithm);
  const stream: StreamingHash = {
    update(data) {
      hasher.update(data);
      return stream;
    },
    digest() {
      return new Uint8Array(hasher.digest());
    },
  };
  return stream;
}

export function createSha256(): StreamingHash {
  return createDigest("sha256");
}

export function createSha384(): StreamingHash {
  return createDigest("sha384");
}

export function createSha512(): StreamingHash {
  return createDigest("sha512");
}

export function sha256(data: Uint8Array | string): Uint8Array {
  return new Uint8Array(Bun.CryptoHasher.hash("sha256", data));
}

export function sha384(data: Uint8Array | string): Uint8Array {
  return new Uint8Array(Bun.CryptoHasher.hash("sha384", data));
}

export function sha512(data: Uint8Array | string): Uint8Array {
  return new Uint8Array(Bun.CryptoHasher.hash("sha512", data));
}

/** Lowercase hex SHA-256: cache keys, fingerprints, policy digests. */
export function sha256Hex(data: Uint8Array | string): string {
  return Bun.CryptoHasher.hash("sha256", data, "hex");
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
