// One-code-point tests for the regex VM: a JS character class anchored to exactly one character, so JS never
// backtracks; ASCII answers are cached per matcher.

export interface CharMatcher {
  test(cp: number): boolean;
}

const ANY: CharMatcher = { test: () => true };

/** `cls` is JS class text (u flag); `caseInsensitive` applies Unicode simple case folding, as RE2's (?i). */
export function charMatcher(cls: string | undefined, caseInsensitive: boolean): CharMatcher {
  if (cls === undefined) return ANY;
  const re = new RegExp(`^${cls}$`, caseInsensitive ? "iu" : "u");
  const ascii = new Int8Array(128); // 0 unknown, 1 no, 2 yes
  return {
    test(cp: number): boolean {
      if (cp < 128) {
        let v = ascii[cp] as number;
        if (v === 0) {
          v = re.test(String.fromCharCode(cp)) ? 2 : 1;
          ascii[cp] = v;
        }
        return v === 2;
      }
      return re.test(String.fromCodePoint(cp));
    },
  };
}
