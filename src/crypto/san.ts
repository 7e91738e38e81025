// Classifies manifest SAN strings the way the reference does (§2.1): IP → iPAddress, URL with scheme → URI, else DNS.

import { isIP } from "node:net";

export interface SubjectAltName {
  readonly type: "ip" | "url" | "dns";
  readonly value: string;
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

export function classifySan(san: string): SubjectAltName {
  if (isIP(san) !== 0) return { type: "ip", value: san };
  if (SCHEME.test(san) && URL.canParse(san)) return { type: "url", value: san };
  return { type: "dns", value: san };
}

export function parseSubjectAltNames(sans: readonly string[]): SubjectAltName[] {
  return sans.map(classifySan);
}
