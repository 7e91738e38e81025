// Network builtins (OPA "net" category): net.cidr_contains, net.cidr_intersects, net.cidr_is_valid, with Go's
// net.ParseIP/ParseCIDR semantics (src/common/ip-address.ts). The Kata agent builds regorus without net.*
// (kata-containers src/agent/policy/Cargo.toml), so the agent rules do not call these; they serve `policy check` on user rules and
// are the reference the rules' own address parser is tested against.

import {
  type IpNet,
  netContains,
  netContainsNet,
  netsIntersect,
  parseCidr,
  parseIp,
} from "../../common/ip-address.ts";
import type { RegoValue } from "../value.ts";
import { type BuiltinDef, fail, str } from "./args.ts";

function cidr(a: readonly RegoValue[], i: number): IpNet {
  const s = str(a, i);
  return parseCidr(s) ?? fail(`operand ${i + 1}: invalid CIDR address: ${s}`);
}

export const NET: Record<string, BuiltinDef> = {
  // The second operand is an address or a network; OPA tries the address first.
  "net.cidr_contains": {
    arity: 2,
    fn: (a) => {
      const outer = cidr(a, 0);
      const s = str(a, 1);
      const ip = parseIp(s);
      if (ip !== undefined) return netContains(outer, ip);
      const inner = parseCidr(s);
      if (inner === undefined) fail(`not a valid textual representation of an IP address or CIDR: ${s}`);
      return netContainsNet(outer, inner);
    },
  },
  "net.cidr_intersects": { arity: 2, fn: (a) => netsIntersect(cidr(a, 0), cidr(a, 1)) },
  // Never an error: a non-string is simply not a valid CIDR.
  "net.cidr_is_valid": {
    arity: 1,
    fn: (a) => typeof a[0] === "string" && parseCidr(a[0]) !== undefined,
  },
};
