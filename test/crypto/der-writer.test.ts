import { describe, expect, test } from "bun:test";
import * as asn1js from "asn1js";
import { toHex } from "../../src/common/bytes.ts";
import {
  derBitString,
  derBoolean,
  derContext,
  derOctetString,
  derOid,
  derTime,
  derTlv,
  derUnsignedInteger,
  derUtf8String,
} from "../../src/crypto/der-writer.ts";

const ref = (b: asn1js.BaseBlock) => toHex(new Uint8Array(b.toBER(false)));

/** Decodes with asn1js and checks that exactly the input was consumed (definite length, no trailing bytes). */
function roundTrip(der: Uint8Array): asn1js.AsnType {
  const r = asn1js.fromBER(der);
  expect(r.offset).toBe(der.length);
  return r.result;
}

describe("derTlv", () => {
  test("contents of every length-form boundary → the short or the fewest long-form length octets", () => {
    let ran = 0;
    for (const n of [0, 1, 127, 128, 255, 256, 65535, 65536, 70000]) {
      const body = new Uint8Array(n).fill(0x5a);
      expect(toHex(derOctetString(body))).toBe(ref(new asn1js.OctetString({ valueHex: body })));
      ran++;
    }
    expect(ran).toBe(9);
  });

  test("contents of 16 MiB → RangeError", () => {
    expect(() => derTlv(0x04, new Uint8Array(0x1000000))).toThrow(RangeError);
  });
});

describe("derUnsignedInteger", () => {
  test("values around every byte boundary → asn1js's minimal two's complement", () => {
    const values: bigint[] = [0n, 1n];
    for (let bits = 7n; bits <= 130n; bits++) values.push(2n ** bits - 1n, 2n ** bits, 2n ** bits + 1n);
    for (const v of values) {
      expect(toHex(derUnsignedInteger(v))).toBe(ref(asn1js.Integer.fromBigInt(v)));
      if (v <= BigInt(Number.MAX_SAFE_INTEGER))
        expect(derUnsignedInteger(Number(v))).toEqual(derUnsignedInteger(v));
    }
    expect(values.length).toBe(374);
  });

  test("a negative value → RangeError", () => {
    expect(() => derUnsignedInteger(-1)).toThrow(RangeError);
    expect(() => derUnsignedInteger(-1n)).toThrow(RangeError);
  });
});

describe("derOid", () => {
  test("short, long and large arcs → asn1js's encoding", () => {
    const oids = [
      "2.5.29.17",
      "1.2.840.10045.4.3.3",
      "1.3.9901.2.1.46",
      "2.999.1",
      "1.3.6.1.4.1.311.21.20",
      "2.25.329800735698586629295641978511506172918",
    ];
    for (const o of oids) expect(toHex(derOid(o))).toBe(ref(new asn1js.ObjectIdentifier({ value: o })));
    expect((roundTrip(derOid("1.3.9901.3.1")) as asn1js.ObjectIdentifier).getValue()).toBe("1.3.9901.3.1");
  });

  test("not dotted decimal, one arc, first arc 3, second arc 40 under 1 → RangeError", () => {
    for (const bad of ["", "1", "1.", "1..2", "3.1", "1.40", "01.2", "1.2.-3", "1.2.a"])
      expect(() => derOid(bad)).toThrow(RangeError);
  });
});

describe("derBoolean / derBitString / derUtf8String / derContext", () => {
  test("→ asn1js's encodings", () => {
    expect(toHex(derBoolean(true))).toBe(ref(new asn1js.Boolean({ value: true })));
    expect(toHex(derBoolean(false))).toBe(ref(new asn1js.Boolean({ value: false })));
    expect(toHex(derBitString(Uint8Array.of(0x80), 7))).toBe(
      ref(new asn1js.BitString({ valueHex: Uint8Array.of(0x80), unusedBits: 7 })),
    );
    expect(toHex(derUtf8String("wëb"))).toBe(ref(new asn1js.Utf8String({ value: "wëb" })));
    expect(toHex(derContext(7, false, Uint8Array.of(10, 0, 0, 1)))).toBe("87040a000001");
    expect(toHex(derContext(3, true, Uint8Array.of(0x30, 0)))).toBe("a3023000");
  });

  test("a returned BOOLEAN changed by its caller → later ones unchanged", () => {
    derBoolean(true)[2] = 0;
    expect(toHex(derBoolean(true))).toBe("0101ff");
  });

  test("more than 7 unused bits, a context tag above 30 → RangeError", () => {
    expect(() => derBitString(Uint8Array.of(0), 8)).toThrow(RangeError);
    expect(() => derContext(31, false)).toThrow(RangeError);
  });
});

describe("derTime", () => {
  test("through 2049 → UTCTime, from 2050 → GeneralizedTime, both in whole seconds", () => {
    const text = (d: string) => new TextDecoder().decode(derTime(new Date(d)).subarray(2));
    expect(derTime(new Date("2049-12-31T23:59:59Z"))[0]).toBe(0x17);
    expect(text("2049-12-31T23:59:59.999Z")).toBe("491231235959Z");
    expect(text("1950-01-01T00:00:00Z")).toBe("500101000000Z");
    expect(derTime(new Date("2050-01-01T00:00:00Z"))[0]).toBe(0x18);
    // RFC 5280 §4.1.2.5.2: GeneralizedTime MUST NOT include fractional seconds (asn1js wrote ".5").
    expect(text("2051-01-02T03:04:05.500Z")).toBe("20510102030405Z");
  });

  test("an invalid date or one before 1950 → RangeError", () => {
    expect(() => derTime(new Date(Number.NaN))).toThrow(RangeError);
    expect(() => derTime(new Date("1949-12-31T23:59:59Z"))).toThrow(RangeError);
  });
});
