// How a YAML document is written (indentation step, sequence style, flow padding), read from its source, and
// rendering of single nodes in that style, for the lines `generate` adds to a user's file.

import { Document, isMap, isNode, isPair, isSeq, type Node, type YAMLMap, type YAMLSeq } from "yaml";

/** How new nodes are written: the document's indentation step, sequence style and flow padding. */
export interface YamlStyle {
  readonly indent: number;
  /** `key:\n  - a` (true) or `key:\n- a` (false). */
  readonly indentSeq: boolean;
  /** `{ a: 1 }` (true) or `{a: 1}` (false). */
  readonly flowPadding: boolean;
}

export function isBlockCollection(node: unknown): node is YAMLMap | YAMLSeq {
  return (isMap(node) || isSeq(node)) && node.flow !== true && node.items.length > 0;
}

/** One node (or plain value) as YAML text in `style`, without the final line break; no line is folded. */
export function renderYamlNode(node: unknown, style: YamlStyle): string {
  const doc = new Document();
  doc.contents = isNode(node) ? node : doc.createNode(node);
  return doc
    .toString({
      indent: style.indent,
      indentSeq: style.indentSeq,
      flowCollectionPadding: style.flowPadding,
      lineWidth: 0,
    })
    .replace(/\n$/, "");
}

/** The document's own style, read from its source, for nodes written into it. */
export function detectStyle(text: string, doc: Document.Parsed): YamlStyle {
  const column = (pos: number) => pos - (text.lastIndexOf("\n", pos - 1) + 1);
  const indents = new Map<number, number>();
  let flush = 0;
  let indented = 0;
  let flowPadding: boolean | undefined;
  const walk = (node: unknown): void => {
    if (isMap(node) || isSeq(node)) {
      if (node.flow === true && flowPadding === undefined && node.range && node.items.length > 0)
        flowPadding = text[node.range[0] + 1] === " ";
      for (const item of node.items) {
        if (isPair(item)) {
          const key = item.key as Node | null;
          const value = item.value as Node | null;
          if (key?.range && value?.range && isBlockCollection(value)) {
            const d = column(value.range[0]) - column(key.range[0]);
            if (isMap(value) && d > 0) indents.set(d, (indents.get(d) ?? 0) + 1);
            if (isSeq(value) && d === 0) flush++;
            if (isSeq(value) && d > 0) indented++;
          }
          walk(value);
        } else walk(item);
      }
    }
  };
  walk(doc.contents);
  let indent = 2;
  let best = 0;
  for (const [d, n] of indents) if (n > best || (n === best && d < indent)) [indent, best] = [d, n];
  return { indent, indentSeq: flush <= indented, flowPadding: flowPadding ?? true };
}
