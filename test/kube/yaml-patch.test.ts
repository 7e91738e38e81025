// renderFile patches a changed document's source: one row per edit `generate` makes, each with the exact text expected.

import { describe, expect, test } from "bun:test";
import { type Document, isSeq, type YAMLMap, type YAMLSeq } from "yaml";
import { parseYamlFile, renderFile } from "../../src/kube/yaml-documents.ts";

type Edit = (doc: Document) => void;

const seqAt = (doc: Document, path: (string | number)[]) => {
  const n = doc.getIn(path, true);
  if (!isSeq(n)) throw new Error(`no sequence at ${path.join(".")}`);
  return n as YAMLSeq;
};

/** [name, source, edit of document 0 (or the last one), expected text] */
const rows: [string, string, Edit, string][] = [
  [
    "changed scalar → only its text, comment and spacing after it kept",
    "spec:\n  image: app:v1  # or: app\n  pull: Always\n",
    (d) => d.setIn(["spec", "image"], "app:v1@sha256:00"),
    "spec:\n  image: app:v1@sha256:00  # or: app\n  pull: Always\n",
  ],
  [
    "changed quoted scalar → stays quoted",
    'a:\n  v: "one"\n',
    (d) => d.setIn(["a", "v"], "two"),
    'a:\n  v: "two"\n',
  ],
  [
    "new key in a 4-space file → written in 4-space style below the last key",
    "metadata:\n    name: x\nspec:\n    replicas: 1\n",
    (d) => d.setIn(["metadata", "annotations", "k"], "v"),
    "metadata:\n    name: x\n    annotations:\n        k: v\nspec:\n    replicas: 1\n",
  ],
  [
    "new item first in a flush sequence → inserted before the first item, flush",
    "spec:\n  initContainers:\n  - name: b\n    image: y\n  containers: []\n",
    (d) => seqAt(d, ["spec", "initContainers"]).items.unshift(d.createNode({ name: "a", env: [{ n: 1 }] })),
    "spec:\n  initContainers:\n  - name: a\n    env:\n    - n: 1\n  - name: b\n    image: y\n  containers: []\n",
  ],
  [
    "item replaced → its lines replaced, neighbours and comments untouched",
    "l:\n  # first\n  - name: old\n    image: o\n  - name: keep\n",
    (d) => {
      const s = seqAt(d, ["l"]);
      s.items = [d.createNode({ name: "new", image: "n" }), ...s.items.slice(1)];
    },
    "l:\n  # first\n  - name: new\n    image: n\n  - name: keep\n",
  ],
  [
    "item appended → after the last item, before the comment of the next key",
    "c:\n  mounts:\n  - name: a\n  # about b\n  b: 1\n",
    (d) => seqAt(d, ["c", "mounts"]).items.push(d.createNode({ name: "z", path: "/z" })),
    "c:\n  mounts:\n  - name: a\n  - name: z\n    path: /z\n  # about b\n  b: 1\n",
  ],
  [
    "flow sequence grows → rewritten in place, flow, in the file's padding",
    "v: [a]\nw: 1\n",
    (d) => seqAt(d, ["v"]).items.push(d.createNode("b")),
    "v: [a, b]\nw: 1\n",
  ],
  [
    "new key in a map that starts on a `- ` line → below its last key",
    "cs:\n- name: a\n  image: b\n- name: c\n",
    (d) => d.setIn(["cs", 0, "volumeMounts"], d.createNode([{ name: "s" }])),
    "cs:\n- name: a\n  image: b\n  volumeMounts:\n  - name: s\n- name: c\n",
  ],
  [
    "key removed → its lines removed",
    "a:\n  x: 1\n  y:\n    z: 2\n  w: 3\n",
    (d) => (d.getIn(["a"], true) as YAMLMap).delete("y"),
    "a:\n  x: 1\n  w: 3\n",
  ],
  [
    "CRLF file → written lines end in CRLF",
    "a: 1\r\nb:\r\n  c: 2\r\n",
    (d) => d.setIn(["b", "d"], 3),
    "a: 1\r\nb:\r\n  c: 2\r\n  d: 3\r\n",
  ],
  [
    "no newline at the end → one added before the new line",
    "a:\n  b: 1",
    (d) => d.setIn(["a", "c"], 2),
    "a:\n  b: 1\n  c: 2\n",
  ],
  [
    "new sequence in a file with indented sequences → indented",
    "a:\n  - x\nb:\n  c: 1\n",
    (d) => d.setIn(["b", "list"], d.createNode([1])),
    "a:\n  - x\nb:\n  c: 1\n  list:\n    - 1\n",
  ],
  [
    "block scalar replaced → the pair written where it was",
    "a:\n  s: |\n    one\n    two\n  t: 1\n",
    (d) => d.setIn(["a", "s"], "three\nfour\n"),
    "a:\n  s: |\n    three\n    four\n  t: 1\n",
  ],
  [
    "comment inside a changed map → kept",
    "spec:\n  # keep me\n  a: 1 # and me\n  b: 2\n",
    (d) => d.setIn(["spec", "b"], 3),
    "spec:\n  # keep me\n  a: 1 # and me\n  b: 3\n",
  ],
  [
    "empty value filled → the pair written where it was",
    "a:\n  ann:\n  b: 1\n",
    (d) => d.setIn(["a", "ann"], d.createNode({ k: "v" })),
    "a:\n  ann:\n    k: v\n  b: 1\n",
  ],
  [
    "second document changed → the first and the separators byte-identical",
    "# head\na:   1 #c\n---\nb:   2\n...\n",
    (d) => d.setIn(["b"], 3),
    "# head\na:   1 #c\n---\nb:   3\n...\n",
  ],
  [
    "first key of an item removed (it cannot be cut out of the `- ` line) → the item written where it was",
    "l:\n- a: 1\n  b: 2\n- c: 3\n",
    (d) => (d.getIn(["l", 0], true) as YAMLMap).delete("a"),
    "l:\n- b: 2\n- c: 3\n",
  ],
  [
    "new key whose value is an alias of an anchor elsewhere → written as the alias",
    "a: &x\n  k: 1\nb:\n  c: *x\n",
    (d) => d.setIn(["b", "c2"], d.getIn(["b", "c"], true)),
    "a: &x\n  k: 1\nb:\n  c: *x\n  c2: *x\n",
  ],
  [
    "keys reordered (no place keeps the order) → the document rendered whole, same value",
    "a: 1\nb:\n- x\n",
    (d) => (d.contents as YAMLMap).items.reverse(),
    "b:\n- x\na: 1\n",
  ],
];

describe("renderFile (changed documents patched)", () => {
  for (const [name, source, edit, expected] of rows) {
    test(`${name}`, () => {
      const file = parseYamlFile({ path: "x.yaml", text: source });
      const changed = file.documents.at(-1)!;
      edit(changed.doc);
      const out = renderFile(file, new Set([changed.docIndex]));
      expect(out).toBe(expected);
      const again = parseYamlFile({ path: "x.yaml", text: out }).documents.at(-1)!;
      expect(again.value).toEqual(changed.doc.toJS());
    });
  }
  test("row count", () => expect(rows.length).toBe(19));

  test("a changed document without any change → byte-identical", () => {
    const text = "a:\n    b:   [ 1,2 ]   # c\n";
    const file = parseYamlFile({ path: "x.yaml", text });
    expect(renderFile(file, new Set([0]))).toBe(text);
  });
});
