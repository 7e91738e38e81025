// Adapts Uint8Array views to WebCrypto's BufferSource type (which excludes SharedArrayBuffer-backed views).

/** Returns `b` typed as ArrayBuffer-backed, copying only if it is backed by a SharedArrayBuffer. */
export function asBufferSource(b: Uint8Array): Uint8Array<ArrayBuffer> {
  return b.buffer instanceof ArrayBuffer ? (b as Uint8Array<ArrayBuffer>) : new Uint8Array(b);
}
