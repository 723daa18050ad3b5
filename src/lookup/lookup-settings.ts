/**
 * The names of the lookup-mode settings, in a module that loads nothing else: the lookup worker
 * is started from it before the rest of the package loads (see lookup-worker-instance.ts).
 */

export const LOOKUP_FILE_NAME = "coreweave-lookups.json";
/** Where the lookup file is, when not `./coreweave-lookups.json`. */
export const LOOKUP_FILE_ENV = "COREWEAVE_LOOKUP_FILE";
/** `live` (default), `record` or `replay`, for the whole app. */
export const LOOKUP_MODE_ENV = "COREWEAVE_LOOKUP_MODE";
export const LOOKUP_MODES = ["live", "record", "replay"] as const;
export type LookupMode = (typeof LOOKUP_MODES)[number];
