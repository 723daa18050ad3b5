/**
 * The lookup worker thread: receives `LookupJob`s, runs them with the async client and replies.
 * The channel module must load first (see its comment).
 */
import { jobs, reply, replyCrash } from "./lookup-worker-channel";
import { preloadHttpClient } from "../api/client";
import { runLookupJob } from "./lookup-job";
import type { LookupJob } from "./lookup-protocol";

jobs.on("message", (job: LookupJob) => {
  runLookupJob(job).then((result) => reply({ type: "result", result }), replyCrash);
});
reply({ type: "ready" });
// Load the HTTP client while the synth thread still builds its stack, not on the first job.
setImmediate(preloadHttpClient);
