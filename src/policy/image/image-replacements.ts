// `--image-replacements FILE`: `old=new` lines mapping image references before resolution (edgelesssys/contrast cli/cmd/generate.go).

import { ConfigError } from "../../common/errors.ts";
import { parseImageReference } from "./image-reference.ts";

export type ImageReplacements = ReadonlyMap<string, string>;

export const MAX_REPLACEMENTS_BYTES = 1024 * 1024;

/**
 * Parses one `old=new` pair per line; blank lines and lines starting with `#` are skipped. Both sides must be
 * valid image references; an `old` given twice is an error (which one would win is not obvious).
 */
export function parseImageReplacements(text: string, source: string): ImageReplacements {
  if (text.length > MAX_REPLACEMENTS_BYTES) {
    throw new ConfigError(
      "image_replacements_invalid",
      `${source}: expected at most ${MAX_REPLACEMENTS_BYTES} bytes, got ${text.length}`,
    );
  }
  const out = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const where = `${source}:${i + 1}`;
    const eq = line.indexOf("=");
    const from = line.slice(0, Math.max(eq, 0)).trim();
    const to = line.slice(eq + 1).trim();
    if (eq < 0 || from === "" || to === "") {
      throw new ConfigError(
        "image_replacements_invalid",
        `${where}: expected old=new, got ${JSON.stringify(line)}`,
        {
          field: where,
        },
      );
    }
    for (const ref of [from, to]) {
      try {
        parseImageReference(ref);
      } catch (e) {
        throw new ConfigError(
          "image_replacements_invalid",
          `${where}: ${e instanceof Error ? e.message : String(e)}`,
          { field: where, cause: e },
        );
      }
    }
    if (out.has(from)) {
      throw new ConfigError(
        "image_replacements_invalid",
        `${where}: image ${from} expected once, got a second mapping`,
        {
          field: where,
        },
      );
    }
    out.set(from, to);
  });
  return out;
}
