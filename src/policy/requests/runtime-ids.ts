// Deterministic stand-ins for the ids a runtime picks at random (container ids, pod UID, shared-file suffixes, pod name suffixes).
//
// Requests built for `policy check` must be reproducible so `--print-requests` output can be diffed and fed
// back; every id is SHA-256 of a seed and a label, shaped like the value containerd, Kata or the kubelet makes.

import { sha256 } from "../../common/digest.ts";

/** Alphabet of Kubernetes' random name suffixes (k8s.io/apimachinery/pkg/util/rand SafeEncodeString). */
const SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

export class RuntimeIds {
  constructor(private readonly seed: string) {}

  private digest(label: string): Buffer {
    return Buffer.from(sha256(`${this.seed}\0${label}`));
  }

  /** 64 lowercase hex characters, like a containerd container or sandbox id. */
  containerId(label: string): string {
    return this.digest(`container:${label}`).toString("hex");
  }

  /** 16 lowercase hex characters, like Kata's random shared-file infix. */
  sharedFileInfix(label: string): string {
    return this.digest(`shared:${label}`).toString("hex").slice(0, 16);
  }

  /** RFC 4122 version 4 layout, like a pod UID or exec id. */
  uuid(label: string): string {
    const b = Buffer.from(this.digest(`uuid:${label}`).subarray(0, 16));
    b[6] = ((b[6] as number) & 0x0f) | 0x40;
    b[8] = ((b[8] as number) & 0x3f) | 0x80;
    const h = b.toString("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /** `n` characters of the Kubernetes suffix alphabet. */
  nameSuffix(label: string, n: number): string {
    const b = this.digest(`suffix:${label}`);
    let out = "";
    for (let i = 0; i < n; i++) out += SAFE_ALPHABET[(b[i] as number) % SAFE_ALPHABET.length];
    return out;
  }
}
