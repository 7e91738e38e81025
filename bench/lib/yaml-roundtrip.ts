// The baseline process of bench/generate.bench.ts: read a YAML file, parse every document and serialise it again.
//
//   bun bench/lib/yaml-roundtrip.ts FILE

import { readFileSync, writeFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const docs = parseAllDocuments(readFileSync(process.argv[2] as string, "utf8"));
writeFileSync("/dev/null", docs.map((d) => d.toString()).join("---\n"));
