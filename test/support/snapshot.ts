// "Nothing on disk changed": every path below a directory with its type, mode and content digest, so equal snapshots
// mean a byte-identical tree (bad input must change nothing on disk).

import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { computeSri, formatSri } from "../../src/common/sri.ts";

/** Every path below `dir` with its type, mode and content: equal snapshots mean a byte-identical tree. */
export function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(p);
      if (st.isDirectory()) {
        out[r] = `dir ${(st.mode & 0o777).toString(8)}`;
        walk(p, r);
      } else out[r] = `file ${(st.mode & 0o777).toString(8)} ${formatSri(computeSri(readFileSync(p)))}`;
    }
  };
  walk(dir, "");
  return out;
}
