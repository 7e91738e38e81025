// The rules' own IP address parser (core builtins only) against Go's net semantics (src/common/ip-address.ts, the
// engine's net.cidr_contains), on many spellings of the same addresses; and the rules call only builtins the
// Kata agent's regorus build provides.

import { describe, expect, test } from "bun:test";
import { netContains, parseCidr, parseIp } from "../../src/common/ip-address.ts";
import { DEFAULT_RULES_TEXT, renderPolicy } from "../../src/policy/render-policy.ts";
import { parseModule, RegoEngine, toJson } from "../../src/rego/index.ts";
import { seededRandom } from "../support/seeded-random.ts";

const engine = new RegoEngine();
engine.addPolicy("agent_policy", renderPolicy(DEFAULT_RULES_TEXT, { containers: [] } as never));
engine.addPolicy(
  "t",
  `package t
g := data.agent_policy.ip_groups(input.s)
inside if data.agent_policy.in_network(data.agent_policy.ip_groups(input.s), data.agent_policy.ip_network(input.c))
oracle := net.cidr_contains(input.c, input.s)
`,
);

function regoGroups(s: string): number[] | undefined {
  const v = engine.evalRule("data.t.g", { s }).value;
  return v === undefined ? undefined : (toJson(v) as number[]);
}

function goGroups(s: string): number[] | undefined {
  const b = parseIp(s);
  return b === undefined
    ? undefined
    : Array.from({ length: 8 }, (_, i) => ((b[2 * i] as number) << 8) | (b[2 * i + 1] as number));
}

const hex = (g: number) => g.toString(16);

/** Ways to write the address with these eight groups. */
function spellings(g: readonly number[]): string[] {
  const out = [
    g.map(hex).join(":"),
    g.map((x) => hex(x).padStart(4, "0")).join(":"),
    g.map(hex).join(":").toUpperCase(),
  ];
  // Every run of zero groups may be written "::".
  for (let i = 0; i < 8; i++) {
    if (g[i] !== 0 || (i > 0 && g[i - 1] === 0)) continue;
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    out.push(`${g.slice(0, i).map(hex).join(":")}::${g.slice(j).map(hex).join(":")}`);
    out.push(
      `${g
        .slice(0, i)
        .map((x) => hex(x).padStart(3, "0"))
        .join(":")}::${g.slice(j).map(hex).join(":")}`,
    );
  }
  const v4 = `${(g[6] as number) >> 8}.${(g[6] as number) & 255}.${(g[7] as number) >> 8}.${(g[7] as number) & 255}`;
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff)
    out.push(v4, `::ffff:${v4}`, `::FFFF:${v4}`, `0:0:0:0:0:ffff:${v4}`);
  if (g.slice(0, 6).every((x) => x === 0)) out.push(`::${v4}`);
  return out;
}

/** Near misses: forms some parser somewhere accepts, Go's does not. */
function mutations(s: string): string[] {
  const out = [`${s}%eth0`, ` ${s}`, `+${s}`, `${s}/32`, s.replace("::", ":::"), `${s}::1`];
  if (/^\d/.test(s) && s.includes(".")) out.push(`0${s}`, s.split(".").slice(0, 3).join("."));
  const m = /(^|:)([0-9a-f]{4})(:|$)/i.exec(s);
  if (m !== null) out.push(s.replace(m[2] as string, `0${m[2]}`));
  return out;
}

const SPECIAL = [
  [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1],
  [0, 0, 0, 0, 0, 0xffff, 0x7fff, 0xffff],
  [0, 0, 0, 0, 0, 0xffff, 0x8000, 1],
  [0, 0, 0, 0, 0, 0xffff, 0, 0],
  [0, 0, 0, 0, 0, 0xffff, 0x00ff, 0x0001],
  [0, 0, 0, 0, 0, 0, 0, 1],
  [0, 0, 0, 0, 0, 0, 0, 0],
  [0, 0, 0, 0, 0, 0, 0, 2],
  [0, 0, 0, 0, 0, 0, 0x7f00, 1],
  [0xfe80, 0, 0, 0, 0, 0, 0, 1],
  [0x2001, 0xdb8, 0, 0, 0, 0, 0, 1],
  [1, 0, 0, 0, 1, 0, 0, 1],
];

function corpus(): string[] {
  const rnd = seededRandom(20260822);
  const addrs: number[][] = SPECIAL.map((g) => [...g]);
  for (let i = 0; i < 40; i++) {
    const g = Array.from({ length: 8 }, () => (rnd() < 0.4 ? 0 : Math.floor(rnd() * 65536)));
    if (i % 3 === 0) g.splice(0, 6, 0, 0, 0, 0, 0, 0xffff);
    addrs.push(g);
  }
  const valid = addrs.flatMap(spellings);
  return [
    ...new Set([
      ...valid,
      ...valid.flatMap(mutations),
      "localhost",
      "",
      ":",
      "1.2.3",
      "1.2.3.4.5",
      "256.1.1.1",
    ]),
  ];
}

const CORPUS = corpus();
const NETWORKS = ["127.0.0.0/8", "0.0.0.0/8", "::1/128", "::/128", "::/96", "::ffff:0:0/96", "2001:db8::/32"];

describe("rules.rego ip_groups", () => {
  test("every spelling → parsed exactly when Go's net.ParseIP parses it, to the same address", () => {
    let parsed = 0;
    for (const s of CORPUS) {
      expect({ s, groups: regoGroups(s) }).toEqual({ s, groups: goGroups(s) });
      if (goGroups(s) !== undefined) parsed++;
    }
    expect(CORPUS.length).toBe(2452);
    expect(parsed).toBe(337);
  });
});

describe("rules.rego in_network", () => {
  test("every spelling in every forbidden-style network → the engine's net.cidr_contains answer", () => {
    let checked = 0;
    let inside = 0;
    for (const c of NETWORKS) {
      const net = parseCidr(c)!;
      for (const s of CORPUS) {
        const ip = parseIp(s);
        if (ip === undefined) continue;
        const want = netContains(net, ip);
        const rego = engine.evalRule("data.t.inside", { s, c }).value !== undefined;
        const oracle = engine.evalRule("data.t.oracle", { s, c }).value;
        expect({ s, c, rego, oracle }).toEqual({ s, c, rego: want, oracle: want });
        checked++;
        if (want) inside++;
      }
    }
    expect(checked).toBe(337 * NETWORKS.length);
    expect(inside).toBe(229);
  });
});

// regorus registers these without optional features, or with the features the agent enables
// (arc, base64, base64url, regex, std: kata-containers src/agent/policy/Cargo.toml). net.*, time.*, glob.*, crypto.* are absent there.
const AGENT_BUILTINS = new Set([
  ...["equal", "neq", "lt", "lte", "gt", "gte", "plus", "minus", "mul", "div", "rem", "or", "and"],
  ...["internal.member_2", "internal.member_3", "print", "count", "sum", "max", "min", "sprintf"],
  ...["concat", "contains", "startswith", "endswith", "lower", "upper", "replace", "split", "substring"],
  ...["trim_prefix", "trim_suffix", "trim_left", "trim_right", "to_number", "is_null", "is_string"],
  ...["is_number", "is_array", "is_object", "is_boolean", "array.concat", "array.slice", "object.get"],
  ...["bits.and", "bits.or", "bits.xor", "bits.negate", "bits.lsh", "bits.rsh", "union"],
  ...["regex.match", "regex.find_all_string_submatch_n", "base64.encode", "base64.decode"],
  ...["base64url.encode", "base64url.decode"],
]);

describe("rules.rego builtins", () => {
  test("every builtin the rules call → one the agent's regorus build has", () => {
    const m = parseModule("rules.rego", DEFAULT_RULES_TEXT);
    const own = new Set(m.rules.map((r) => r.name));
    const called = new Set<string>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) for (const x of v) walk(x);
      else if (typeof v === "object" && v !== null) {
        const o = v as Record<string, unknown>;
        if (o.type === "call" && typeof o.name === "string") called.add(o.name);
        for (const [k, x] of Object.entries(o)) if (k !== "loc") walk(x);
      }
    };
    walk(m.rules);
    const builtins = [...called].filter((n) => !own.has(n));
    expect(builtins.filter((n) => !AGENT_BUILTINS.has(n))).toEqual([]);
    expect(builtins.length).toBeGreaterThan(20);
  });
});
