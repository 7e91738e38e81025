// The one injectable randomness source: everything that needs random bytes takes a RandomSource.

/** Returns `n` fresh random bytes. Tests inject a seeded source; production uses the OS CSPRNG. */
export type RandomSource = (n: number) => Uint8Array;

/** WebCrypto's getRandomValues is limited to 65,536 bytes per call, so fill in chunks. */
export const defaultRandom: RandomSource = (n: number): Uint8Array => {
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`random length: expected non-negative integer, got ${n}`);
  const out = new Uint8Array(n);
  for (let off = 0; off < n; off += 65536)
    crypto.getRandomValues(out.subarray(off, Math.min(n, off + 65536)));
  return out;
};
