// In-place edits of a pod template inside a yaml Document: runtime class, annotations; each a no-op when already applied.

import type { Document } from "yaml";
import { ConfigError } from "../common/errors.ts";
import { type HandlerFor, platformOfRuntimeClass } from "./runtime-class.ts";
import { setInChecked } from "./set-in.ts";
import { describeLocation, locationField, type SourceLocation } from "./source-location.ts";

/** Replaces `runtimeClassName` with the concrete handler for the platform it names. */
export function setRuntimeHandler(
  doc: Document,
  templatePath: readonly string[],
  runtimeClassName: string,
  handlerFor: HandlerFor,
  loc: SourceLocation,
): string {
  let handler: string;
  try {
    handler = handlerFor(platformOfRuntimeClass(runtimeClassName));
  } catch (e) {
    throw new ConfigError(
      e instanceof ConfigError ? e.code : "runtime_class_unknown",
      `${describeLocation(loc)}: runtimeClassName ${runtimeClassName}: ${e instanceof Error ? e.message : String(e)}`,
      { field: locationField(loc, [...templatePath, "spec", "runtimeClassName"]), cause: e },
    );
  }
  const path = [...templatePath, "spec", "runtimeClassName"];
  if (doc.getIn(path) !== handler) setInChecked(doc, path, handler);
  return handler;
}

/** Sets one annotation on the template metadata (created if missing). */
export function setTemplateAnnotation(
  doc: Document,
  templatePath: readonly string[],
  key: string,
  value: string,
): void {
  const path = [...templatePath, "metadata", "annotations", key];
  if (doc.getIn(path) !== value) setInChecked(doc, path, value);
}
