// Conformance table for the Rego evaluator, written from the Rego language reference (policy, input → result).

import { RegoSet, type RegoValue } from "../../src/rego/index.ts";

export type Want = { value: RegoValue } | { undefined: true } | { error: string };

export interface Case {
  readonly name: string;
  /** Rules of `package test` (the package line is added). */
  readonly policy: string;
  readonly want: Want;
  readonly input?: unknown;
  readonly data?: Record<string, unknown>;
  /** Extra modules, each with its own package line. */
  readonly modules?: readonly string[];
  /** Rule to query below data.test (default p). */
  readonly rule?: string;
  readonly stepLimit?: number;
  readonly prints?: readonly string[];
}

type Extra = Omit<Case, "name" | "policy" | "want">;

const S = (...xs: RegoValue[]): RegoSet => new RegoSet(xs);
const cases: Case[] = [];
const ok = (name: string, policy: string, value: RegoValue, extra: Extra = {}) =>
  cases.push({ name, policy, want: { value }, ...extra });
const undef = (name: string, policy: string, extra: Extra = {}) =>
  cases.push({ name, policy, want: { undefined: true }, ...extra });
const err = (name: string, policy: string, code: string, extra: Extra = {}) =>
  cases.push({ name, policy, want: { error: code }, ...extra });

// --- literals -------------------------------------------------------------------------------------
ok("null literal", "p := null", null);
ok("boolean literal", "p := false", false);
ok("number with exponent", "p := 1.5e2", 150);
ok("negative number", "p := -3", -3);
ok("string escapes", String.raw`p := "a\n\t\"\\\u00e9\/"`, 'a\n\t"\\é/');
ok("raw string keeps backslashes", "p := `a\\nb`", "a\\nb");
ok("raw string spans lines", "p := `a\nb`", "a\nb");
ok("array literal", 'p := [1, "a", null, true]', [1, "a", null, true]);
ok("object literal", 'p := {"a": 1, "b": [2]}', { a: 1, b: [2] });
ok("set literal dedups", "p := {1, 2, 2}", S(1, 2));
ok("empty set", "p := set()", S());
ok("empty object", "p := {}", {});
ok("trailing commas", 'p := [1, 2,]\nq := {"a": 1,}', [1, 2]);
ok("composite with variables", 'p := [x, {"k": x}] if x := 1', [1, { k: 1 }]);
ok("multi-line array", "p := [\n  1,\n  2\n]", [1, 2]);
ok("comments ignored", "# leading\np := 1 # trailing", 1);
ok("nested sets", "p := {{1}, {1}, {2}}", S(S(1), S(2)));

// --- rules ----------------------------------------------------------------------------------------
ok("default when body fails", "default p := false\np if input.x == 1", false, { input: { x: 2 } });
ok("body wins over default", "default p := false\np if input.x == 1", true, { input: { x: 1 } });
undef("complete rule without default", "p if input.x == 1", { input: { x: 2 } });
ok("several bodies are OR", "p if input.a\np if input.b", true, { input: { b: true } });
err("conflicting complete rule values", "p := 1 if true\np := 2 if true", "rego_conflict");
ok("equal values in two bodies", "p := 1 if true\np := 1", 1);
ok("v0 value rule with =", "p = 5 { true }", 5);
ok("constant with =", 'p = "str"', "str");
ok("partial set with contains", "p contains x if some x in [1, 2, 2]", S(1, 2));
ok("partial set v0 syntax", "p[x] { x := input.a[_] }", S(3, 4), { input: { a: [4, 3] } });
ok("empty partial set is defined", "p contains x if { x := 1; false }", S());
ok("partial object", 'p[k] := v if some k, v in {"a": 1, "b": 2}', { a: 1, b: 2 });
err("partial object conflict", 'p[k] := v if { some v in [1, 2]; k := "a" }', "rego_conflict");
ok(
  "partial object v0 syntax",
  "p[k] = v { some i; k := input.a[i]; v := i }",
  { x: 0, y: 1 },
  { input: { a: ["x", "y"] } },
);
ok("partial set membership", "s contains x if some x in [1, 2]\np if s[2]", true);
undef("partial set non-member", "s contains x if some x in [1, 2]\np if s[3]");
ok("iterate partial set", "s contains x if some x in [1, 2]\np := [x | s[x]]", [1, 2]);
ok("function value", "f(x) := x * 2\np := f(3)", 6);
ok("function with several bodies", 'f(x) := "pos" if x > 0\nf(x) := "neg" if x < 0\np := [f(1), f(-1)]', [
  "pos",
  "neg",
]);
undef("function undefined for argument", 'f(x) := "pos" if x > 0\np := f(0)');
ok("boolean function", "f(x) if x > 1\np if f(2)", true);
undef("boolean function false branch", "f(x) if x > 1\np if f(0)");
err("function conflicting outputs", "f(x) := 1 if x > 0\nf(x) := 2 if x > 1\np := f(5)", "rego_conflict");
undef("function returning false fails the expression", "f(_) := false\np if f(1)");
ok("function false with default rule", 'f(_) := false\ndefault p := "no"\np := "yes" if f(1)', "no");
ok("function with array pattern", "f([a, b]) := a + b\np := f([1, 2])", 3);
undef("function pattern mismatch", "f([a, b]) := a + b\np := f([1])");
ok("function with constant argument", 'f("a") := 1\nf("b") := 2\np := f("b")', 2);
ok("function output argument as check", "f(x) := x + 1\np if f(1, 2)", true);
ok("function output argument binds", "f(x) := x + 1\np := y if f(1, y)", 2);
ok("default function", 'default f(_) := 0\nf(x) := 1 if x == "a"\np := [f("a"), f("b")]', [1, 0]);
ok("function with two parameters", "f(a, b) := a - b\np := f(5, 3)", 2);
ok("function calls function", "g(x) := x + 1\nf(x) := g(x) * 2\np := f(1)", 4);
ok(
  "else chain with values",
  'f(x) := "a" if x == 1 else := "b" if x == 2 else := "c"\np := [f(1), f(2), f(3)]',
  ["a", "b", "c"],
);
ok("else without value is true", "f(x) if x == 1 else := false\np := [f(1), f(2)]", [true, false]);
ok("else on complete rule", "p := 1 if input.a else := 2", 2, { input: {} });
ok("else chain exhausted → default", "default p := 0\np := 1 if false else := 2 if false", 0);
ok("else branch with braces body", "p := 1 if { false } else := 2 { true }", 2);
ok("v0 body without if", "p { true }", true);
ok("if with a single expression", "p if 1 < 2", true);
ok("rule referenced through data", "q := 5\np := data.test.q", 5);
ok("rule in another package", "p := data.lib.x", 3, { modules: ["package lib\nx := 3"] });
ok("function in another package", "p := data.lib.double(2)", 4, {
  modules: ["package lib\ndouble(n) := n * 2"],
});
ok("import data package", "import data.lib\np := lib.x", 3, { modules: ["package lib\nx := 3"] });
ok("import with alias", "import data.lib as l\np := l.double(1)", 2, {
  modules: ["package lib\ndouble(n) := n * 2"],
});
ok(
  "package as object omits functions",
  "p := data.lib",
  { x: 3 },
  { modules: ["package lib\nx := 3\nf(a) := a"] },
);
ok("base data document", "p := data.pstate.a", 1, { data: { pstate: { a: 1 } } });
ok("iterate base data keys", "p := {k | data.pstate[k]}", S("a", "b"), { data: { pstate: { b: 1, a: 2 } } });
ok(
  "import rego.v1 and future keywords accepted",
  "import future.keywords.in\nimport future.keywords\np := 1",
  1,
);
err("recursive rules", "p if q\nq if p", "rego_recursion");
err("recursive function", "f(x) := f(x)\np := f(1)", "rego_recursion");
err("rule kinds conflict", "p := 1\np contains 2", "rego_rule_conflict");
err("two defaults", "default p := 1\ndefault p := 2", "rego_rule_conflict");
err("default must be constant", "default p := input.x", "rego_type");

// --- variables and unification -----------------------------------------------------------------------
ok("assignment then use", "p := y if { x := 2; y := x * x }", 4);
err("assignment redeclared", "p if { x := 1; x := 2 }", "rego_var_redeclared");
ok("unification binds left", "p := x if [x, 2] = [1, 2]", 1);
ok("unification binds both sides", "p := [x, y] if [x, 1] = [2, y]", [2, 1]);
ok("unification with object pattern", 'p := x if { {"a": x} = {"a": 5} }', 5);
undef("unification mismatch", "p := x if [x, 2] = [1, 3]");
ok("= as comparison when bound", "p if { x := 1; x = 1 }", true);
undef("== false makes body fail", "p if 1 == 2");
err("unsafe variable", "p if x > 1", "rego_unsafe_var");
err("unsafe head variable", "p := y if true", "rego_unsafe_var");
ok("expressions reordered for safety", "p := x if { x > 1; x = 2 }", 2);
ok("wildcard iteration", "p if input.a[_] == 2", true, { input: { a: [1, 2] } });
ok("bare some declares iteration variable", 'p := i if { some i; input.a[i] == "b" }', 1, {
  input: { a: ["a", "b"] },
});
ok("some in array values", "p := {x | some x in [3, 1]}", S(1, 3));
ok("some key value in object", 'p := {k: v + 1 | some k, v in {"a": 1}}', { a: 2 });
ok("some index value in array", 'p := [i | some i, v in ["x", "y"]]', [0, 1]);
ok("some in set", "p := [x | some x in {2, 1}]", [1, 2]);
ok("some shadows rule name", "q := 5\np := q if some q in [1]", 1);
ok(
  "backtracking over several generators",
  "p := [x, y] if { some x in [1, 2, 3]; some y in [3, 2]; x == y; x > 2 }",
  [3, 3],
);
ok("ref variable binds index", "p := {i | input.a[i] > 1}", S(1, 2), { input: { a: [1, 2, 3] } });
ok("ref with variable key", 'p := v if { k := "b"; v := input.m[k] }', 2, { input: { m: { b: 2 } } });
ok("bracket string key", 'p := input["a-b"]', 1, { input: { "a-b": 1 } });
ok("array index", "p := input.a[1]", "y", { input: { a: ["x", "y"] } });
undef("array index out of range", "p := input.a[5]", { input: { a: [1] } });
undef("index into a string", "p := input.a[0]", { input: { a: "abc" } });
ok("missing field falls back to default", "default p := 0\np := input.x.y", 0, { input: { x: {} } });
ok("no input → default", "default p := 0\np := 1 if input", 0);
undef("dot on array", "p := input.a.b", { input: { a: [1] } });
ok("nested iteration with two wildcards", "p := count([x | x := input.a[_][_]])", 3, {
  input: { a: [[1], [2, 3]] },
});
ok("same variable twice in ref", "p := [i | input.m[i][i]]", [1], { input: { m: [[false], [0, true]] } });
ok("object keys iterate sorted", 'p := [k | some k, _ in {"b": 1, "a": 2, "c": 3}]', ["a", "b", "c"]);
ok("call result ref", 'f(x) := {"a": [x]}\np := f(7).a[0]', 7);
ok("composite ref", "p := [10, 20][1]", 20);

// --- not and in -------------------------------------------------------------------------------------------------
ok("not of undefined is true", "p if not input.missing", true, { input: {} });
ok("not false", "p if not false", true);
undef("not true", "p if not true");
undef("not of empty array is false", "p if not input.a", { input: { a: [] } });
ok("not in", "p if not 3 in [1, 2]", true);
ok("in array", "p if 2 in [1, 2]", true);
ok("in set", 'p if "a" in {"a", "b"}', true);
ok("in object checks values", 'p := [1 in {"k": 1}, "k" in {"k": 1}]', [true, false]);
ok("not function", "f(x) if x > 1\np if not f(0)", true);
ok("not with wildcard", "p if not input.a[_] == 5", true, { input: { a: [1, 2] } });
err("not with unbound named variable", "p if not input.a[i]", "rego_unsafe_var");
ok("in with iteration on left", "p := {x | some x in [1, 2, 3]; x in {2, 3}}", S(2, 3));

// --- every --------------------------------------------------------------------------------------------------------
ok("every holds", "p if every x in [1, 2] { x > 0 }", true);
undef("every fails", "p if every x in [1, -2] { x > 0 }");
ok("every over empty collection", "p if every x in [] { false }", true);
ok(
  "every key value over object",
  'p if every k, v in {"a": 1, "b": 2} { startswith(k, "a") == (v == 1) }',
  true,
);
ok("nested every", "p if every xs in [[1], [2, 3]] { every x in xs { x > 0 } }", true);
ok("every over undefined domain holds", "p if every x in input.missing { false }", true, { input: {} });
ok("every uses outer variable", "p if { n := 0; every x in [1, 2] { x > n } }", true);
ok("every key value over array index", "p if every i, v in [0, 1, 2] { i == v }", true);
ok("every variables shadow outer ones", "p := x if { x := 9; every x in [1] { x == 1 } }", 9);

// --- comprehensions ----------------------------------------------------------------------------------------------
ok("array comprehension keeps duplicates", "p := [x | some x in [1, 1, 2]]", [1, 1, 2]);
ok("set comprehension", "p := {x * 2 | some x in [1, 1, 2]}", S(2, 4));
ok("object comprehension", 'p := {k: count(k) | some k in ["a", "bb"]}', { a: 1, bb: 2 });
ok("nested comprehension", "p := [[y | some y in x] | some x in [[1], [2, 3]]]", [[1], [2, 3]]);
ok("comprehension closes over outer variable", "p := [x + n | some x in [1, 2]] if n := 10", [11, 12]);
err("object comprehension conflict", 'p := {"k": x | some x in [1, 2]}', "rego_conflict");
ok("empty comprehension is defined", "p := [x | some x in []]", []);
ok("comprehension in function", "f(xs) := [x | some x in xs; x > 1]\np := f([1, 2, 3])", [2, 3]);
ok("comprehension over input", 'p := {e | some e in input.env; startswith(e, "A")}', S("A=1"), {
  input: { env: ["A=1", "B=2"] },
});

// --- operators ---------------------------------------------------------------------------------------------------
ok("arithmetic", "p := [1 + 2, 5 - 7, 3 * 4, 7 / 2, 7 % 3]", [3, -2, 12, 3.5, 1]);
ok("precedence and parentheses", "p := [1 + 2 * 3, (1 + 2) * 3]", [7, 9]);
undef("division by zero", "p := 1 / 0");
undef("modulo of float", "p := 1.5 % 1");
undef("arithmetic on strings", 'p := "a" + 1');
ok("set difference", "p := {1, 2, 3} - {2}", S(1, 3));
ok("set union", "p := {1} | {2}", S(1, 2));
ok("set intersection", "p := {1, 2} & {2, 3}", S(2));
ok("string comparison", 'p := ["a" < "b", "b" <= "a", "z" > "y", "a" >= "a"]', [true, false, true, true]);
ok("cross-type order", 'p := [null < false, false < 0, 0 < "", "" < [], [] < {}, {} < set()]', [
  true,
  true,
  true,
  true,
  true,
  true,
]);
ok("deep equality of arrays and objects", 'p := [[1, {"a": 1}] == [1, {"a": 1}], {"a": 1} != {"a": 2}]', [
  true,
  true,
]);
ok("set equality ignores order", "p := {1, 2} == {2, 1}", true);
ok("integer equals float", "p := 1 == 1.0", true);
ok("not equal", 'p := 1 != "1"', true);

// --- builtins: strings -----------------------------------------------------------------------------------------------
ok(
  "count of string counts runes",
  'p := [count("héllo"), count([1, 2]), count({"a": 1}), count({1})]',
  [5, 2, 1, 1],
);
ok("concat array and set", 'p := [concat("-", ["a", "b"]), concat(",", {"y", "x"})]', ["a-b", "x,y"]);
ok("replace", 'p := replace("a.b.c", ".", "/")', "a/b/c");
ok("split", 'p := [split("a,b,,c", ","), split("ab", "")]', [
  ["a", "b", "", "c"],
  ["a", "b"],
]);
ok(
  "startswith endswith contains",
  'p := [startswith("abc", "ab"), endswith("abc", "bc"), contains("abc", "d")]',
  [true, true, false],
);
ok(
  "trim family",
  'p := [trim("xxaxx", "x"), trim_left("xxa", "x"), trim_right("axx", "x"), trim_prefix("abc", "ab"), trim_suffix("abc", "bc"), trim_space("  a \\n")]',
  ["a", "a", "a", "c", "a", "a"],
);
ok("trim_prefix without prefix", 'p := trim_prefix("abc", "x")', "abc");
ok("substring", 'p := [substring("héllo", 1, 3), substring("abc", 1, -1), substring("abc", 5, 1)]', [
  "éll",
  "bc",
  "",
]);
undef("substring negative offset", 'p := substring("abc", -1, 1)');
ok("lower upper", 'p := [lower("AbC"), upper("aBc")]', ["abc", "ABC"]);
ok("indexof counts runes", 'p := [indexof("héllo", "l"), indexof("abc", "z")]', [2, -1]);
ok(
  "sprintf verbs",
  'p := sprintf("%v|%s|%d|%q|%x|%.2f|%5s|%-3d|", [[1, "a"], "s", 42, "q", 255, 3.14159, "ab", 7])',
  '[1, "a"]|s|42|"q"|ff|3.14|   ab|7  |',
);
ok("sprintf missing and extra arguments", 'p := [sprintf("%d %d", [1]), sprintf("x", [1])]', [
  "1 %!d(MISSING)",
  "x%!(EXTRA int=1)",
]);
ok(
  "sprintf %v of object and set",
  'p := sprintf("%v %v %%", [{"b": 1, "a": "x"}, {2, 1}])',
  '{"a": "x", "b": 1} {1, 2} %',
);
ok("sprintf %d of string is an error marker", 'p := sprintf("%d", ["a"])', "%!d(string=a)");
ok("strings.replace_n", 'p := strings.replace_n({"a": "1", "b": "2"}, "abcab")', "12c12");
ok("format_int", "p := [format_int(255, 16), format_int(-5.5, 10), format_int(5, 2)]", ["ff", "-6", "101"]);
undef("string builtin type error → undefined", "p := upper(1)");
ok("builtin error is undefined, not false", 'default p := "d"\np := "x" if lower(1) == 1', "d");

// --- builtins: types and numbers ---------------------------------------------------------------------------------------
ok(
  "to_number",
  'p := [to_number("10"), to_number("-1.5"), to_number(true), to_number(null), to_number(3)]',
  [10, -1.5, 1, 0, 3],
);
undef("to_number of non-numeric string", 'p := to_number("x1")');
ok(
  "is_* checks",
  'p := [is_null(null), is_boolean(false), is_number(1), is_string("a"), is_array([]), is_object({}), is_set(set())]',
  [true, true, true, true, true, true, true],
);
ok("is_* false for other types", "p := [is_string(1), is_array({}), is_object([]), is_set([])]", [
  false,
  false,
  false,
  false,
]);
ok(
  "type_name",
  'p := [type_name(null), type_name(true), type_name(1), type_name(""), type_name([]), type_name({}), type_name(set())]',
  ["null", "boolean", "number", "string", "array", "object", "set"],
);
ok("sum max min", "p := [sum([1, 2, 3]), max([1, 3, 2]), min({4, 2}), sum([])]", [6, 3, 2, 0]);
undef("max of empty", "p := max([])");
ok("sort", 'p := [sort([3, 1, 2]), sort({"b", "a"})]', [
  [1, 2, 3],
  ["a", "b"],
]);
ok("abs and round", "p := [abs(-2), round(2.5), round(-2.5), round(1.4)]", [2, 3, -3, 1]);
ok(
  "bits",
  "p := [bits.and(12, 10), bits.or(12, 10), bits.xor(12, 10), bits.negate(0), bits.lsh(1, 40), bits.rsh(16, 2)]",
  [8, 14, 6, -1, 1099511627776, 4],
);
undef("bits on float", "p := bits.and(1.5, 1)");

// --- builtins: regex ---------------------------------------------------------------------------------------------
ok("regex.match is unanchored", 'p := [regex.match("b", "abc"), regex.match("^b", "abc")]', [true, false]);
ok("regex.match anchored pattern", 'p := regex.match("^[a-z0-9]{3}$", "ab1")', true);
ok("regex inline case-insensitive flag", 'p := regex.match("(?i)^abc$", "ABC")', true);
ok("regex named group P syntax", 'p := regex.match("^(?P<n>[0-9]+)$", "42")', true);
ok("regex escaped punctuation", String.raw`p := regex.match("^a\\-b\\:c$", "a-b:c")`, true);
ok(
  "regex dot does not match newline",
  'p := [regex.match("^a.b$", "a\\nb"), regex.match("(?s)^a.b$", "a\\nb")]',
  [false, true],
);
ok("regex literal brace", 'p := regex.match("^{a}$", "{a}")', true);
ok("regex \\\\A and \\\\z", String.raw`p := regex.match("\\Aab\\z", "ab")`, true);
undef("regex lookahead is an error", 'p := regex.match("a(?=b)", "ab")');
undef("regex backreference is an error", String.raw`p := regex.match("(a)\\1", "aa")`);
undef("invalid regex → undefined", 'p := regex.match("(", "a")');
ok("regex.find_all_string_submatch_n", 'p := regex.find_all_string_submatch_n("a(b*)", "abbcab", -1)', [
  ["abb", "bb"],
  ["ab", "b"],
]);
ok("find_all limit n", 'p := regex.find_all_string_submatch_n("[0-9]", "1a2b3", 2)', [["1"], ["2"]]);
ok("find_all unmatched group is empty", 'p := regex.find_all_string_submatch_n("a(x)?", "a", -1)', [
  ["a", ""],
]);
ok("regex.split", 'p := regex.split("[,;]", "a,b;c")', ["a", "b", "c"]);
ok("regex posix class", 'p := regex.match("^[[:digit:]]+$", "123")', true);

// --- builtins: encoding ------------------------------------------------------------------------------------------
ok("base64 encode decode", 'p := [base64.encode("hi?"), base64.decode("aGk/")]', ["aGk/", "hi?"]);
undef("base64 decode invalid", 'p := base64.decode("a!")');
undef("base64 decode missing padding", 'p := base64.decode("aGk")');
ok("base64url encode is padded", 'p := base64url.encode("hi?>")', "aGk_Pg==");
ok(
  "base64url decode padded and unpadded",
  'p := [base64url.decode("aGk_Pg=="), base64url.decode("aGk_Pg")]',
  ["hi?>", "hi?>"],
);
ok("json.marshal sorts keys", 'p := json.marshal({"b": [1, {2}], "a": null})', '{"a":null,"b":[1,[2]]}');
ok("json.unmarshal", 'p := json.unmarshal("{\\"a\\": [1, true]}")', { a: [1, true] });
undef("json.unmarshal invalid", 'p := json.unmarshal("{")');

// --- builtins: objects, arrays, sets -----------------------------------------------------------------------------------
ok(
  "object.get found and default",
  'p := [object.get({"a": 1}, "a", 0), object.get({"a": 1}, "b", 0)]',
  [1, 0],
);
ok(
  "object.get path",
  'p := [object.get({"a": {"b": [7]}}, ["a", "b", 0], 0), object.get({"a": {}}, ["a", "x"], "d")]',
  [7, "d"],
);
ok("object.keys", 'p := object.keys({"b": 1, "a": 2})', S("a", "b"));
ok("object.remove", 'p := object.remove({"a": 1, "b": 2, "c": 3}, ["a", "c"])', { b: 2 });
ok(
  "object.union merges nested objects",
  'p := object.union({"a": {"x": 1}, "b": 1}, {"a": {"y": 2}, "b": 2})',
  { a: { x: 1, y: 2 }, b: 2 },
);
ok("array.concat", "p := array.concat([1], [2, 3])", [1, 2, 3]);
ok(
  "array.slice clamps",
  "p := [array.slice([1, 2, 3, 4], 1, 3), array.slice([1, 2], -1, 9), array.slice([1, 2], 2, 1)]",
  [[2, 3], [1, 2], []],
);
ok("union and intersection", "p := [union({{1}, {2, 3}}), intersection({{1, 2}, {2, 3}})]", [
  S(1, 2, 3),
  S(2),
]);
// --- builtins: net (OPA topdown/cidr.go with Go's net.ParseIP / ParseCIDR / IPNet.Contains) ----------------------------
const contains = (a: string, b: string) =>
  `p := net.cidr_contains(${JSON.stringify(a)}, ${JSON.stringify(b)})`;
ok("cidr_contains IPv4 address", contains("127.0.0.0/8", "127.0.0.1"), true);
ok("cidr_contains address outside", contains("127.0.0.0/8", "128.0.0.1"), false);
ok("cidr_contains IPv4-mapped IPv6 is the IPv4 address", contains("127.0.0.0/8", "::ffff:127.0.0.1"), true);
ok("cidr_contains IPv4-mapped in hex groups", contains("127.0.0.0/8", "::FFFF:7f00:1"), true);
ok("cidr_contains ::1 written 0::1", contains("::1/128", "0::1"), true);
ok("cidr_contains ::1 written ::0:1", contains("::1/128", "::0:1"), true);
ok("cidr_contains ::1 written 00::001", contains("::1/128", "00::001"), true);
ok("cidr_contains ::1 written in full", contains("::1/128", "0:0:0:0:0:0:0:1"), true);
ok("cidr_contains IPv4 not in an IPv6 network", contains("::/0", "1.2.3.4"), false);
ok("cidr_contains IPv4-compatible is not IPv4", contains("127.0.0.0/8", "::127.0.0.1"), false);
ok("cidr_contains smaller network", contains("10.0.0.0/8", "10.1.0.0/16"), true);
ok("cidr_contains larger network", contains("10.0.0.0/16", "10.0.0.0/8"), false);
ok(
  "cidr_contains IPv6 networks",
  'p := [net.cidr_contains("fd00::/16", "fd00::/17"), net.cidr_contains("fd00::/16", "fd00::/15")]',
  [true, false],
);
ok("cidr_contains host bits of the network ignored", contains("10.1.2.3/8", "10.200.0.1"), true);
undef("cidr_contains IPv4 with leading zero", contains("127.0.0.0/8", "0127.0.0.1"));
undef("cidr_contains short IPv4", contains("127.0.0.0/8", "127.1"));
undef("cidr_contains zone", contains("fe80::/10", "fe80::1%eth0"));
undef("cidr_contains two ::", contains("::/0", "1::2::3"));
undef("cidr_contains :: standing for nothing", contains("::/0", "1:2:3:4:5:6:7:8::"));
undef("cidr_contains five hex digits", contains("::/0", "::12345"));
undef("cidr_contains first operand not a CIDR", contains("127.0.0.1", "127.0.0.1"));
undef("cidr_contains prefix too long", contains("10.0.0.0/33", "10.0.0.1"));
undef("cidr_contains non-string", 'p := net.cidr_contains("10.0.0.0/8", 1)');
ok(
  "cidr_is_valid",
  'p := [net.cidr_is_valid("10.0.0.0/8"), net.cidr_is_valid("::1/128"), net.cidr_is_valid("::ffff:1.2.3.4/120")]',
  [true, true, true],
);
ok(
  "cidr_is_valid rejects",
  'p := [net.cidr_is_valid("10.0.0.0/33"), net.cidr_is_valid("::1/129"), net.cidr_is_valid("10.0.0.0"), net.cidr_is_valid("256.0.0.0/8"), net.cidr_is_valid(5)]',
  [false, false, false, false, false],
);
ok(
  "cidr_intersects",
  'p := [net.cidr_intersects("10.0.0.0/8", "10.1.0.0/16"), net.cidr_intersects("10.0.0.0/16", "11.0.0.0/16")]',
  [true, false],
);
undef("cidr_intersects with an address", 'p := net.cidr_intersects("10.0.0.0/8", "10.0.0.1")');

err("unknown builtin", "p := nosuch.fn(1)", "rego_unknown_builtin");
err("builtin arity", 'p := startswith("a")', "rego_arity");
err("calling a rule as function", "q := 1\np := q(1)", "rego_not_function");

// --- print, limits, syntax ---------------------------------------------------------------------------------------
ok("print collects output and never fails", 'p if { print("x", 1, [2], input.missing) }', true, {
  input: {},
  prints: ["x 1 [2] <undefined>"],
});
ok("print in failed branch still printed", 'default p := false\np if { print("try"); false }', false, {
  prints: ["try"],
});
err(
  "step limit stops runaway evaluation",
  "p := count([1 | some a in numbers.range(1, 2000); some b in numbers.range(1, 2000)])",
  "rego_step_limit",
  { stepLimit: 100_000 },
);
err("syntax error", "p := [1, 2", "rego_syntax");
err("with is not supported", "p := 1 if { true with input as 1 }", "rego_syntax");
err("empty body", "p if {}", "rego_syntax");
err("unexpected character", "p := 1 ! 2", "rego_syntax");
err("unterminated string", 'p := "abc', "rego_syntax");

export const CASES: readonly Case[] = cases;
