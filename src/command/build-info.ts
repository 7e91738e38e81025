// What this build is: version, commit and build time, filled in by `bun build --define` (Makefile, images/release.sh);
// "0.0.0-dev"/"unknown" when run from source.

declare const CONTRAST_VERSION: string | undefined;
declare const CONTRAST_COMMIT: string | undefined;
declare const CONTRAST_BUILD_TIME: string | undefined;

export const VERSION = typeof CONTRAST_VERSION === "string" ? CONTRAST_VERSION : "0.0.0-dev";
export const COMMIT = typeof CONTRAST_COMMIT === "string" ? CONTRAST_COMMIT : "unknown";
export const BUILD_TIME = typeof CONTRAST_BUILD_TIME === "string" ? CONTRAST_BUILD_TIME : "unknown";
