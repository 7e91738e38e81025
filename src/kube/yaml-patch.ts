// Minimal text edits that turn a YAML document's source into its changed yaml Document: every untouched line keeps its bytes.
//
// `generate` edits a Document in place (runtime class, images, annotations, injected containers). Stringifying the
// whole Document would re-indent it; instead the changed Document is compared with a fresh parse of the same text.
// Nodes that came from the source keep their source offsets (`range`), so old and new nodes are matched by offset
// (map pairs by key); only what differs is written: a changed scalar in place, a new pair or sequence item on lines of
// its own, a removed one by deleting its lines. Anything the patcher cannot place (flow collections that grew
// multi-line, keys sharing a line with a `- `) makes its parent render itself as a whole, up to the whole document.

import {
  type Document,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  type Node,
  Pair,
  type ParsedNode,
  YAMLMap,
  YAMLSeq,
} from "yaml";
import { isBlockCollection, renderYamlNode, type YamlStyle } from "./yaml-style.ts";

export interface TextEdit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

type Edits = TextEdit[] | undefined;

const BLOCK_SCALAR = new Set(["BLOCK_LITERAL", "BLOCK_FOLDED"]);

/** `node` stripped of the comments outside its own range (they stay in the source text); plain values as they are. */
function withoutOuterComments<T>(node: T): T {
  if (!isNode(node)) return node;
  const copy = node.clone() as T & Node;
  copy.commentBefore = undefined;
  copy.comment = undefined;
  copy.spaceBefore = false;
  return copy;
}

/** A map key as text; `setIn` leaves new keys as plain values, parsed keys are Scalars. */
function keyText(key: unknown): string | undefined {
  const v = isScalar(key) ? key.value : key;
  return typeof v === "string" || typeof v === "number" || typeof v === "boolean" || v === null
    ? String(v)
    : undefined;
}

function sameOrigin(a: unknown, b: unknown): boolean {
  const ra = (a as Node | null)?.range;
  const rb = (b as Node | null)?.range;
  if (ra == null || rb == null || ra[0] !== rb[0]) return false;
  return (isMap(a) && isMap(b)) || (isSeq(a) && isSeq(b)) || (isScalar(a) && isScalar(b));
}

function isFlow(node: unknown): boolean {
  return (isMap(node) || isSeq(node)) && node.flow === true;
}

function deepEqual(a: Node, b: Node): boolean {
  return JSON.stringify(a.toJSON()) === JSON.stringify(b.toJSON());
}

export class DocumentPatcher {
  constructor(
    private readonly text: string,
    private readonly style: YamlStyle,
  ) {}

  /** The edits from `old` (a fresh parse of the text) to `neu`, or undefined when the document must be rendered whole. */
  patch(old: Document.Parsed, neu: Document): Edits {
    if (old.contents === null || neu.contents === null) return undefined;
    const edits = this.node(old.contents, neu.contents as Node);
    // Written lines end as the file's lines do.
    if (edits === undefined || !this.text.includes("\r\n")) return edits;
    return edits.map((e) => ({ ...e, text: e.text.replace(/\r?\n/g, "\r\n") }));
  }

  private column(pos: number): number {
    return pos - (this.text.lastIndexOf("\n", pos - 1) + 1);
  }

  private lineStart(pos: number): number {
    return this.text.lastIndexOf("\n", pos - 1) + 1;
  }

  /** True when only spaces precede `pos` on its line. */
  private atLineStart(pos: number): boolean {
    return /^ *$/.test(this.text.slice(this.lineStart(pos), pos));
  }

  /** The end of a node's value with trailing whitespace and line breaks left out. */
  private trimmedEnd(node: Node): number {
    const [start, end] = node.range as [number, number, number];
    let e = end;
    while (e > start && /\s/.test(this.text[e - 1] as string)) e--;
    return e;
  }

  /** The start of the line after the one `pos` is on (the text's end if there is none). */
  private nextLineStart(pos: number): number {
    const nl = this.text.indexOf("\n", pos);
    return nl < 0 ? this.text.length : nl + 1;
  }

  private render(node: unknown): string {
    return renderYamlNode(node, this.style);
  }

  /** Text placed where a node started at `column`: lines after the first are indented to that column. */
  private indentRest(text: string, column: number): string {
    const pad = " ".repeat(column);
    return text.replace(/\n(?=.)/g, `\n${pad}`);
  }

  /** Lines inserted at a line start, every line indented to `column`. */
  private asLines(text: string, column: number, at: number): string {
    const pad = " ".repeat(column);
    const body = `${text.replace(/^(?=.)/gm, pad)}\n`;
    return at === this.text.length && at > 0 && !this.text.endsWith("\n") ? `\n${body}` : body;
  }

  /** A one-line rendering for scalars and flow collections, else undefined. */
  private inline(node: Node): string | undefined {
    if (isBlockCollection(node)) return undefined;
    const text = this.render(withoutOuterComments(node));
    return text.includes("\n") ? undefined : text;
  }

  /** True when `node` is written on one line of the source after its key or dash, not as a block. */
  private inlineInSource(node: Node): boolean {
    if (isBlockCollection(node)) return false;
    if (isScalar(node) && BLOCK_SCALAR.has(String(node.type))) return false;
    const [start] = node.range as [number, number, number];
    const end = this.trimmedEnd(node);
    return end > start && !this.text.slice(start, end).includes("\n");
  }

  /** Edits turning `old` into `neu` in place, or undefined when the parent must write `neu` itself. */
  private node(old: Node, neu: Node): Edits {
    if (!sameOrigin(old, neu)) return undefined;
    if (isScalar(old) && isScalar(neu))
      return old.value === neu.value && old.type === neu.type ? [] : undefined;
    if (isFlow(old) || isFlow(neu)) return isFlow(old) && isFlow(neu) && deepEqual(old, neu) ? [] : undefined;
    if (isMap(old) && isMap(neu)) return this.map(old, neu);
    if (isSeq(old) && isSeq(neu)) return this.seq(old, neu);
    return undefined;
  }

  /** The value of a pair (or an item) at `old` replaced by `neu`, keeping its place. */
  private replaceValue(old: Node, neu: Node): TextEdit | undefined {
    const [start] = old.range as [number, number, number];
    const end = this.trimmedEnd(old);
    if (this.inlineInSource(old)) {
      const text = this.inline(neu);
      return text === undefined ? undefined : { start, end, text };
    }
    if (isBlockCollection(old) && isBlockCollection(neu))
      return {
        start,
        end,
        text: this.indentRest(this.render(withoutOuterComments(neu)), this.column(start)),
      };
    return undefined;
  }

  private renderPair(pair: Pair): string {
    const map = new YAMLMap();
    map.items = [new Pair(withoutOuterComments(pair.key), withoutOuterComments(pair.value))];
    return this.render(map);
  }

  private pairEnd(pair: Pair): number {
    const last = (pair.value as Node | null)?.range ? (pair.value as Node) : (pair.key as Node);
    return this.nextLineStart(this.trimmedEnd(last));
  }

  private map(old: YAMLMap, neu: YAMLMap): Edits {
    if (neu.items.length === 0) return undefined;
    const [start] = old.range as [number, number, number];
    const column = this.column(start);
    const byKey = new Map<string, { pair: Pair<ParsedNode, ParsedNode | null>; index: number }>();
    for (const [index, pair] of (old.items as Pair<ParsedNode, ParsedNode | null>[]).entries()) {
      const k = keyText(pair.key);
      if (k === undefined || !pair.key.range) return undefined;
      byKey.set(k, { pair, index });
    }
    const edits: TextEdit[] = [];
    const kept = new Set<string>();
    let previous: Pair | undefined;
    let lastIndex = -1;
    for (const item of neu.items) {
      if (!isPair(item)) return undefined;
      const k = keyText(item.key);
      if (k === undefined) return undefined;
      const found = byKey.get(k);
      if (found === undefined) {
        const at =
          previous === undefined
            ? this.firstLine(old.items[0]?.key as Node | undefined)
            : this.pairEnd(previous);
        if (at === undefined) return undefined;
        edits.push({ start: at, end: at, text: this.asLines(this.renderPair(item), column, at) });
        continue;
      }
      if (found.index < lastIndex) return undefined;
      lastIndex = found.index;
      kept.add(k);
      previous = found.pair;
      const sub = this.pairValue(found.pair, item);
      if (sub === undefined) return undefined;
      edits.push(...sub);
    }
    for (const [k, { pair }] of byKey) {
      if (kept.has(k)) continue;
      const [keyStart] = pair.key.range as [number, number, number];
      if (!this.atLineStart(keyStart)) return undefined;
      edits.push({ start: this.lineStart(keyStart), end: this.pairEnd(pair), text: "" });
    }
    return edits;
  }

  /** The line start before a node that begins a line, else undefined. */
  private firstLine(node: Node | undefined): number | undefined {
    const start = node?.range?.[0];
    if (start === undefined || !this.atLineStart(start)) return undefined;
    return this.lineStart(start);
  }

  private pairValue(old: Pair<ParsedNode, ParsedNode | null>, neu: Pair): Edits {
    const ov = old.value;
    const nv = neu.value as Node | null;
    if (ov !== null && nv !== null) {
      const sub = this.node(ov, nv);
      if (sub !== undefined) return sub;
      const edit = this.replaceValue(ov, nv);
      if (edit !== undefined) return [edit];
    }
    // Write the whole pair where the old one was (its key stays where it is).
    const [keyStart] = old.key.range as [number, number, number];
    const end = ov?.range ? Math.max(this.trimmedEnd(ov), old.key.range![1]) : old.key.range![1];
    return [{ start: keyStart, end, text: this.indentRest(this.renderPair(neu), this.column(keyStart)) }];
  }

  /** The position of the `- ` before a block sequence item, if it is where a block sequence item's dash is. */
  private dashOf(item: Node): number | undefined {
    let i = (item.range as [number, number, number])[0] - 1;
    while (i >= 0 && this.text[i] === " ") i--;
    return this.text[i] === "-" ? i : undefined;
  }

  private seq(old: YAMLSeq, neu: YAMLSeq): Edits {
    if (neu.items.length === 0) return undefined;
    const items = old.items as ParsedNode[];
    const dashes: number[] = [];
    for (const item of items) {
      const dash = item?.range ? this.dashOf(item) : undefined;
      if (dash === undefined || !this.atLineStart(dash)) return undefined;
      dashes.push(dash);
    }
    const column = this.column(dashes[0] as number);
    const byStart = new Map(items.map((o, i) => [(o.range as [number, number, number])[0], i]));
    const edits: TextEdit[] = [];
    const kept = new Set<number>();
    let previous: number | undefined;
    for (const item of neu.items as Node[]) {
      const candidate = isNode(item) && item.range ? byStart.get(item.range[0]) : undefined;
      const index = candidate !== undefined && sameOrigin(items[candidate], item) ? candidate : -1;
      if (index < 0) {
        const at =
          previous === undefined
            ? this.lineStart(dashes[0] as number)
            : this.nextLineStart(this.trimmedEnd(items[previous] as Node));
        edits.push({ start: at, end: at, text: this.asLines(this.renderItem(item), column, at) });
        continue;
      }
      if (previous !== undefined && index < previous) return undefined;
      previous = index;
      kept.add(index);
      const o = items[index] as Node;
      const sub = this.node(o, item);
      if (sub !== undefined) {
        edits.push(...sub);
        continue;
      }
      const [start] = o.range as [number, number, number];
      const text = this.indentRest(this.render(withoutOuterComments(item)), this.column(start));
      edits.push({ start, end: this.trimmedEnd(o), text });
    }
    items.forEach((o, i) => {
      if (kept.has(i)) return;
      edits.push({
        start: this.lineStart(dashes[i] as number),
        end: this.nextLineStart(this.trimmedEnd(o)),
        text: "",
      });
    });
    return edits;
  }

  private renderItem(item: Node): string {
    const seq = new YAMLSeq();
    seq.items = [withoutOuterComments(item)];
    return this.render(seq);
  }
}

/** Applies non-overlapping edits (insertions before deletions at the same offset, else in given order). */
export function applyEdits(text: string, edits: readonly TextEdit[], offset = 0): string | undefined {
  const sorted = edits
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.start - b.e.start || a.e.end - a.e.start - (b.e.end - b.e.start) || a.i - b.i)
    .map(({ e }) => e);
  let out = "";
  let cursor = offset;
  for (const e of sorted) {
    if (e.start < cursor) return undefined;
    out += text.slice(cursor - offset, e.start - offset) + e.text;
    cursor = e.end;
  }
  return out + text.slice(cursor - offset);
}
