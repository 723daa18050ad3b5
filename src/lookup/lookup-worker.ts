/**
 * The lookup worker thread: receives `LookupJob`s, runs them with the async client and replies.
 * The channel module must load first (see its comment).
 */
import { jobs, reply, replyCrash } from "./lookup-worker-channel";
import { runLookupJob } from "./lookup-job";
import type { LookupJob } from "./lookup-protocol";

jobs.on("message", (job: LookupJob) => {
  runLookupJob(job).then((result) => reply({ type: "result", result }), replyCrash);
});
reply({ type: "ready" });
