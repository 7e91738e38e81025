// Multi-document YAML files as yaml Documents plus their exact source slices; changed documents are patched, not re-rendered.

import {
  Composer,
  type Document,
  isCollection,
  type Node,
  Parser,
  parseAllDocuments,
  parseDocument,
  visit,
} from "yaml";
import { batchCollector } from "../common/batch-gc.ts";
import { ParseError } from "../common/errors.ts";
import { describeLocation } from "./source-location.ts";
import { applyEdits, DocumentPatcher } from "./yaml-patch.ts";
import { detectStyle } from "./yaml-style.ts";

export interface YamlSourceFile {
  readonly path: string;
  readonly text: string;
}

export interface ParsedDocument {
  readonly file: string;
  readonly docIndex: number;
  /** Offset of `source` in the file's text. */
  readonly start: number;
  /** The exact source text of this document, including its leading `---` and trailing comments. */
  readonly source: string;
  readonly doc: Document.Parsed;
  /** Plain JSON view of the document (null for empty documents). */
  readonly value: unknown;
}

export interface ParsedFile {
  readonly path: string;
  readonly text: string;
  readonly documents: readonly ParsedDocument[];
  /** The whole text when the file has no document, else empty (leading comments belong to document 0). */
  readonly prefix: string;
  /** Sequences written flush with their parent key (`key:\n- a`) rather than indented. */
  readonly flushSequences: boolean;
}

const FLUSH_SEQUENCE = /^( *)[^\s#-][^\n]*:[ \t]*(#[^\n]*)?\n\1- /m;
const INDENTED_SEQUENCE = /^( *)[^\s#-][^\n]*:[ \t]*(#[^\n]*)?\n\1 +- /m;
// logLevel "error": the yaml library reports its warnings in `doc.warnings`, never on the process's stderr.
const PARSE_OPTIONS = { keepSourceTokens: false, uniqueKeys: true, logLevel: "error" } as const;

/** Helm templates fail as YAML; say what they are and how to render them. */
function malformed(file: YamlSourceFile, docIndex: number, message: string): ParseError {
  const helm = file.text.includes("{{")
    ? " (this looks like a Helm template: render the chart with `helm template`, then pass the output)"
    : "";
  return new ParseError(
    "yaml_malformed",
    `${describeLocation({ file: file.path, docIndex })}: invalid yaml: ${message.split("\n")[0]}${helm}`,
    { field: `${file.path}#${docIndex}` },
  );
}

/** The line of the first map key that is itself a map or list (`{{ .Values.x }}` unquoted parses so), if any. */
function collectionKeyLine(text: string, doc: Document.Parsed): number | undefined {
  let at: number | undefined;
  visit(doc, {
    Pair(_, pair) {
      if (!isCollection(pair.key)) return undefined;
      at = (pair.key as Node).range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return at === undefined ? undefined : text.slice(0, at).split("\n").length;
}

/** The document as plain data; an alias that resolves to nothing (or too often) is malformed input, not a crash. */
function plainValue(file: YamlSourceFile, docIndex: number, doc: Document.Parsed): unknown {
  try {
    // An unresolved alias or an alias bomb is malformed YAML too, not an internal error.
    return doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw malformed(file, docIndex, e instanceof Error ? e.message : String(e));
  }
}

/** Parses every document of a file; any YAML error is a ParseError naming file and document. */
export function parseYamlFile(file: YamlSourceFile): ParsedFile {
  const docs = parseAllDocuments(file.text, PARSE_OPTIONS);
  const base = { path: file.path, text: file.text };
  if (!Array.isArray(docs)) return { ...base, documents: [], prefix: file.text, flushSequences: false };
  const documents: ParsedDocument[] = [];
  docs.forEach((doc, docIndex) => {
    const first = doc.errors[0];
    if (first !== undefined) throw malformed(file, docIndex, first.message);
    // Kubernetes objects have plain keys; a map as key is a template expression, not an object to patch.
    const line = collectionKeyLine(file.text, doc);
    if (line !== undefined)
      throw malformed(
        file,
        docIndex,
        `line ${line}: a map key is itself a map or list, expected a plain key`,
      );
    // Comments before the first document belong to it (Document.toString() renders them), so its source starts at 0.
    const start = docIndex === 0 ? 0 : doc.range[0];
    const end = doc.range[2];
    documents.push({
      file: file.path,
      docIndex,
      start,
      source: file.text.slice(start, end),
      doc,
      value: plainValue(file, docIndex, doc),
    });
  });
  const prefix = documents.length > 0 ? "" : file.text;
  const flush = FLUSH_SEQUENCE.test(file.text) && !INDENTED_SEQUENCE.test(file.text);
  return { ...base, documents, prefix, flushSequences: flush };
}

/** Renders a whole document in the file's sequence style; YAML comments and key order are kept by the Document. */
export function renderDocument(doc: Document, flushSequences: boolean): string {
  return doc.toString({ indentSeq: !flushSequences, lineWidth: 0 });
}

const toJson = (doc: Document) => JSON.stringify(doc.toJS());

/**
 * The changed document as its source with minimal edits (yaml-patch.ts); rendered whole only when the edits cannot
 * be placed or would not read back as the same value.
 */
function patchDocument(file: ParsedFile, d: ParsedDocument, original: Document.Parsed | undefined): string {
  if (original !== undefined) {
    try {
      const style = detectStyle(file.text, original);
      const edits = new DocumentPatcher(file.text, style).patch(original, d.doc);
      const text = edits === undefined ? undefined : applyEdits(d.source, edits, d.start);
      if (text !== undefined) {
        const back = parseDocument(text, PARSE_OPTIONS);
        if (back.errors.length === 0 && toJson(back) === toJson(d.doc)) return text;
      }
    } catch {
      // A node the patcher cannot render on its own (an alias whose anchor lies outside it): render the whole.
    }
  }
  return renderDocument(d.doc, file.flushSequences);
}

/**
 * A fresh parse of `text`, one document at a time: the originals `renderFile` compares against are streamed, so a file
 * of a thousand documents never holds a second thousand syntax trees at once.
 */
function* streamDocuments(text: string): Generator<Document.Parsed> {
  yield* new Composer(PARSE_OPTIONS).compose(new Parser().parse(text));
}

/** Joins document texts; documents in `changed` (by docIndex) are patched, the others copied verbatim. */
export function renderFile(file: ParsedFile, changed: ReadonlySet<number>): string {
  const originals = changed.size === 0 ? undefined : streamDocuments(file.text);
  // Parts joined once at the end: `+=` with an `endsWith` check on the growing string flattened it every time (O(n²)).
  const parts: string[] = [file.prefix];
  let empty = file.prefix.length === 0;
  let endsWithNewline = file.prefix.endsWith("\n");
  const collect = batchCollector();
  for (const d of file.documents) {
    collect();
    // Documents come in docIndex order, so the stream is advanced exactly once per document.
    const original = originals?.next();
    const text = changed.has(d.docIndex)
      ? patchDocument(file, d, original === undefined || original.done ? undefined : original.value)
      : d.source;
    if (!empty && !endsWithNewline) parts.push("\n");
    parts.push(text);
    if (text.length > 0) {
      empty = false;
      endsWithNewline = text.endsWith("\n");
    } else if (!empty && !endsWithNewline) endsWithNewline = true;
  }
  return parts.join("");
}
