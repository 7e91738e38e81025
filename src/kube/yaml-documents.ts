// Multi-document YAML files as yaml Documents plus their exact source slices, so untouched documents survive byte-for-byte.

import { type Document, parseAllDocuments } from "yaml";
import { ParseError } from "../common/errors.ts";
import { describeLocation } from "./source-location.ts";

export interface YamlSourceFile {
  readonly path: string;
  readonly text: string;
}

export interface ParsedDocument {
  readonly file: string;
  readonly docIndex: number;
  /** The exact source text of this document, including its leading `---` and trailing comments. */
  readonly source: string;
  readonly doc: Document.Parsed;
  /** Plain JSON view of the document (null for empty documents). */
  readonly value: unknown;
}

export interface ParsedFile {
  readonly path: string;
  readonly documents: readonly ParsedDocument[];
  /** The whole text when the file has no document, else empty (leading comments belong to document 0). */
  readonly prefix: string;
  /** Sequences written flush with their parent key (`key:\n- a`) rather than indented. */
  readonly flushSequences: boolean;
}

const FLUSH_SEQUENCE = /^( *)[^\s#-][^\n]*:[ \t]*(#[^\n]*)?\n\1- /m;
const INDENTED_SEQUENCE = /^( *)[^\s#-][^\n]*:[ \t]*(#[^\n]*)?\n\1 +- /m;

/** Parses every document of a file; any YAML error is a ParseError naming file and document. */
export function parseYamlFile(file: YamlSourceFile): ParsedFile {
  const docs = parseAllDocuments(file.text, { keepSourceTokens: false, uniqueKeys: true });
  if (!Array.isArray(docs))
    return { path: file.path, documents: [], prefix: file.text, flushSequences: false };
  const documents: ParsedDocument[] = [];
  docs.forEach((doc, docIndex) => {
    const first = doc.errors[0];
    if (first !== undefined) {
      throw new ParseError(
        "yaml_malformed",
        `${describeLocation({ file: file.path, docIndex })}: invalid yaml: ${first.message.split("\n")[0]}`,
        { field: `${file.path}#${docIndex}` },
      );
    }
    // Aliases resolve only here: an unresolved one or an alias bomb is malformed YAML too, not an internal error.
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      throw new ParseError(
        "yaml_malformed",
        `${describeLocation({ file: file.path, docIndex })}: invalid yaml: ${(e instanceof Error ? e.message : String(e)).split("\n")[0]}`,
        { field: `${file.path}#${docIndex}` },
      );
    }
    // Comments before the first document belong to it (Document.toString() renders them), so its source starts at 0.
    const start = docIndex === 0 ? 0 : doc.range[0];
    const end = doc.range[2];
    documents.push({
      file: file.path,
      docIndex,
      source: file.text.slice(start, end),
      doc,
      value,
    });
  });
  const prefix = documents.length > 0 ? "" : file.text;
  const flush = FLUSH_SEQUENCE.test(file.text) && !INDENTED_SEQUENCE.test(file.text);
  return { path: file.path, documents, prefix, flushSequences: flush };
}

/** Renders a changed document in the file's sequence style; YAML comments and key order are kept by the Document. */
export function renderDocument(doc: Document, flushSequences: boolean): string {
  return doc.toString({ indentSeq: !flushSequences, lineWidth: 0 });
}

/** Joins document texts; `replaced` maps docIndex → new text. Unchanged documents are copied verbatim. */
export function renderFile(file: ParsedFile, replaced: ReadonlyMap<number, string>): string {
  let out = file.prefix;
  for (const d of file.documents) {
    const text = replaced.get(d.docIndex) ?? d.source;
    if (out.length > 0 && !out.endsWith("\n")) out += "\n";
    out += text;
  }
  return out;
}
