/**
 * The process's one lookup worker, shared by all live sources; it idles unref'd between lookups.
 *
 * Imported first by the package's entry point: when a live lookup is likely (a token is set and
 * the app does not replay), the worker starts at once, so that loading its HTTP client (about
 * 250 ms) overlaps with the package and the app loading, instead of delaying the first lookup.
 * Only light modules are imported here, for the same reason.
 */
import { LOOKUP_MODE_ENV } from "./lookup-settings";
import { SyncLookupWorker } from "./sync-lookup-worker";

export const lookupWorker = new SyncLookupWorker();

if (process.env.COREWEAVE_API_TOKEN?.trim() && process.env[LOOKUP_MODE_ENV]?.trim() !== "replay") {
  lookupWorker.prewarm();
}
