// Loads the launch-measurement vectors and fixtures from test/testdata/measurement.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { testdata } from "../../support/testdata.ts";

export const MEASUREMENT_DIR = testdata("measurement");

export interface MeasurementVector {
  readonly id: string;
  readonly algorithm: string;
  readonly vmm?: string;
  readonly ovmf?: string;
  readonly vcpus?: number;
  readonly vcpu_sig?: string | null;
  readonly guest_features?: string;
  readonly kernel?: string | null;
  readonly initrd?: string | null;
  readonly cmdline?: string | null;
  readonly seed_ld?: string;
  readonly input_hex?: string;
  readonly expected?: string | Record<string, string>;
  readonly expected_error?: string;
}

export function loadVectors(): readonly MeasurementVector[] {
  const doc = JSON.parse(readFileSync(join(MEASUREMENT_DIR, "vectors.json"), "utf8")) as {
    vectors: MeasurementVector[];
  };
  return doc.vectors;
}

export function loadFixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(MEASUREMENT_DIR, name)));
}
