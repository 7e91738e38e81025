// `Document.setIn` for paths in user YAML: where the document has a scalar in the way (`metadata: x`), the yaml
// library throws a plain Error; here it becomes invalid input naming the path (exit 3), never an internal error.

import type { Document } from "yaml";
import { ConfigError } from "../common/errors.ts";

export function setInChecked(doc: Document, path: readonly (string | number)[], value: unknown): void {
  try {
    doc.setIn(path, value);
  } catch (e) {
    throw new ConfigError(
      "yaml_not_a_mapping",
      `${path.join(".")}: expected mappings or sequences along this path, got a scalar (${e instanceof Error ? e.message.split(".")[0] : "yaml"})`,
      { field: path.join("."), cause: e },
    );
  }
}
