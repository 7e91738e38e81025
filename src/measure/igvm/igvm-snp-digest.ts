// SEV-SNP launch digest of an IGVM file's measured pages, parameter areas and VMSAs (coconut-svsm tools/igvmmeasure).

import { sha384 } from "../../common/digest.ts";
import { ConfigError, ParseError } from "../../common/errors.ts";
import { PageType, SnpLaunchDigest } from "../snp/page-info.ts";
import {
  type IgvmDirective,
  type IgvmFile,
  IgvmPlatformType,
  PAGE_SIZE_4K,
  PageDataFlag,
  PageDataType,
} from "./igvm-format.ts";
import { parseIgvm } from "./parse-igvm.ts";

export interface IgvmSnpOptions {
  /** Measure PAGE_DATA without file data as ZERO pages (igvmmeasure --native-zero); default NORMAL zero pages. */
  readonly nativeZero?: boolean;
}

export interface IgvmSnpMeasurement {
  readonly launchDigest: Uint8Array;
  /** VP_CONTEXT directives measured as VMSAs (one per vCPU the file defines). */
  readonly vmsaCount: number;
  /** The LD recorded in the file's SNP_ID_BLOCK, when it has one (not part of the measurement). */
  readonly idBlockLaunchDigest: Uint8Array | undefined;
}

const ZERO_PAGE_DIGEST = sha384(new Uint8Array(PAGE_SIZE_4K));

/** Compatibility mask of the SEV-SNP platform: the directives that apply to SNP have one of its bits. */
export function findSnpCompatMask(file: IgvmFile): number {
  const platform = file.platforms.find((p) => p.platformType === IgvmPlatformType.SevSnp);
  if (platform === undefined) {
    throw new ConfigError(
      "igvm_no_snp_platform",
      "igvm: expected a SEV-SNP supported-platform header, got none",
      { field: "igvm" },
    );
  }
  return platform.compatMask;
}

/** Pads `data` (a view of at most `size` bytes) with zeros to `size`. */
function padTo(data: Uint8Array, size: number): Uint8Array {
  if (data.length === size) return data;
  const out = new Uint8Array(size);
  out.set(data);
  return out;
}

export function computeIgvmSnpLaunchDigest(
  igvm: Uint8Array | IgvmFile,
  options: IgvmSnpOptions = {},
): IgvmSnpMeasurement {
  const file = igvm instanceof Uint8Array ? parseIgvm(igvm) : igvm;
  const mask = findSnpCompatMask(file);
  const ld = new SnpLaunchDigest();
  const areas = new Map<number, number>();
  let vmsaCount = 0;
  let idBlockLaunchDigest: Uint8Array | undefined;
  for (const d of file.directives) {
    switch (d.kind) {
      case "page_data":
        if ((d.compatMask & mask) !== 0) measurePageData(ld, d, options);
        break;
      case "parameter_area":
        if (areas.has(d.areaIndex))
          throw malformed(`parameter area ${d.areaIndex}: expected a unique index, got a duplicate`);
        areas.set(d.areaIndex, d.size);
        break;
      case "parameter_insert":
        if ((d.compatMask & mask) !== 0)
          ld.updateEmptyPages(PageType.Unmeasured, d.gpa, areaSize(areas, d.areaIndex));
        break;
      case "vp_context":
        if ((d.compatMask & mask) === 0) break;
        ld.updateVmsaPage(
          d.gpa,
          d.data === undefined ? ZERO_PAGE_DIGEST : sha384(padTo(d.data, PAGE_SIZE_4K)),
        );
        vmsaCount++;
        break;
      case "snp_id_block":
        if ((d.compatMask & mask) !== 0) idBlockLaunchDigest = d.launchDigest;
        break;
    }
  }
  return { launchDigest: ld.digest(), vmsaCount, idBlockLaunchDigest };
}

function malformed(message: string): ParseError {
  return new ParseError("igvm_malformed", `igvm: ${message}`, { field: "igvm" });
}

function areaSize(areas: ReadonlyMap<number, number>, index: number): number {
  const size = areas.get(index);
  if (size === undefined)
    throw malformed(`parameter insert: expected a declared parameter area ${index}, got none`);
  return size;
}

/** One PAGE_DATA directive: a 4 KiB page, or 512 of them for a 2 MiB page (igvmmeasure). */
function measurePageData(
  ld: SnpLaunchDigest,
  d: Extract<IgvmDirective, { kind: "page_data" }>,
  o: IgvmSnpOptions,
): void {
  if (d.flags & PageDataFlag.Shared) return;
  const pages = d.flags & PageDataFlag.Is2MbPage ? 512 : 1;
  const data = d.data === undefined ? undefined : padTo(d.data, pages * PAGE_SIZE_4K);
  for (let i = 0; i < pages; i++) {
    const gpa = d.gpa + i * PAGE_SIZE_4K;
    if (d.dataType === PageDataType.Secrets) ld.updatePage(PageType.Secrets, gpa);
    else if (d.dataType === PageDataType.CpuidData || d.dataType === PageDataType.CpuidXf)
      ld.updatePage(PageType.Cpuid, gpa);
    else if (d.dataType !== PageDataType.Normal)
      throw malformed(`page data at 0x${gpa.toString(16)}: expected data type 0..3, got ${d.dataType}`);
    else if (d.flags & PageDataFlag.Unmeasured) ld.updatePage(PageType.Unmeasured, gpa);
    else if (data === undefined) {
      if (o.nativeZero) ld.updatePage(PageType.Zero, gpa);
      else ld.updatePage(PageType.Normal, gpa, ZERO_PAGE_DIGEST);
    } else
      ld.updatePage(PageType.Normal, gpa, sha384(data.subarray(i * PAGE_SIZE_4K, (i + 1) * PAGE_SIZE_4K)));
  }
}
