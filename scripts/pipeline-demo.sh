#!/usr/bin/env bash
# npm run pipeline-demo: the deploy job of examples/pipelines/github-actions.yml (and of
# gitlab-ci.yml), run for real against the local CoreWeave API emulator, with the built package
# installed into a throwaway app:
#
#   npx coreweave-inference wait $DEPLOYMENT_ID   (exit 0 ready, 1 timeout, 4 FAILED/ERROR/disabled)
#   synth; terraform init; terraform plan -out=tfplan; terraform apply tfplan
#
# for two deployments. pipeline-rollout goes CREATING then READY: the wait exits 0, the gate
# passes, the rollout resource is applied, and the drift job's plan -detailed-exitcode then finds
# no changes. pipeline-broken goes FAILED: the wait exits 4 and, as in CI where a failed step ends
# the job, nothing is synthesized, planned or applied.
# Exits 0 only if both behave so. Everything lives in a temporary directory, removed on exit
# (DEMO_KEEP=1 keeps it); the emulator is stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

terraform_bin=${TERRAFORM_BINARY_NAME:-terraform}
# shellcheck source=scripts/demo-common.sh
source scripts/demo-common.sh
demo_prepare "The pipeline demo runs real plans and applies and"

header() { printf '\n== %s\n' "$*"; }
# Indents output under its command.
indent() { sed 's/^/    /'; }
# Terraform colours its output even in automation; the logs are kept plain, for grep.
esc=$(printf '\033')
nocolor() { sed "s/${esc}\\[[0-9;]*m//g"; }
# step LOG COMMAND...: shows the command the way a CI log does, runs it with its output in LOG
# (plain), returns its exit code (pipefail: the command's, not sed's).
step() {
  local log=$1
  shift
  printf '$'
  printf ' %s' "$@"
  printf '\n'
  "$@" 2>&1 | nocolor >"$log"
}

# `command`: the function must not call itself when TERRAFORM_BINARY_NAME is unset.
terraform() { command "$terraform_bin" "$@"; }

header "Build (npm run build) if dist/ is missing or older than src/"
if [ ! -f dist/cli/main.js ] || [ ! -f dist/testing/emulator-cli.js ] ||
  [ -n "$(find src tsconfig.json tsconfig.build.json -newer dist/cli/main.js -print -quit)" ]; then
  npm run build --silent >"$work/build.log" 2>&1 || {
    cat "$work/build.log" >&2
    echo "FAILED: npm run build" >&2
    exit 1
  }
  echo "built dist/"
else
  echo "dist/ is up to date"
fi
echo "Work dir: $work"

# The workflow runs `npx coreweave-inference` in an app that depends on this package. Inside this
# repository npx does not find the package's own bin, so the compiled package is installed into a
# throwaway app the way `npm ci` would: its files, its dependencies, the bin link. This is also a
# snapshot: a rebuild of dist/ while the demo runs does not touch it.
app="$work/app"
pkg="$app/node_modules/cdktf-coreweave-inference"
mkdir -p "$pkg" "$app/node_modules/.bin"
printf '{ "name": "serving", "private": true }\n' >"$app/package.json"
cp -R package.json dist "$pkg/"
for dep in $(node -p 'Object.keys(require("./package.json").dependencies ?? {}).join(" ")'); do
  mkdir -p "$(dirname "$app/node_modules/$dep")"
  ln -s "$repo/node_modules/$dep" "$app/node_modules/$dep"
done
chmod +x "$pkg/dist/cli/main.js"
ln -s ../cdktf-coreweave-inference/dist/cli/main.js "$app/node_modules/.bin/coreweave-inference"
echo "Installed the built package into $app"

header "Emulator: pipeline-rollout CREATING for 3 polls then READY; pipeline-broken CREATING then FAILED"
node - "$work/fixtures.json" "$pkg/dist/testing" <<'NODE'
const { writeFileSync } = require("node:fs");
const { deploymentFixture } = require(process.argv[3]);
const creating = (id) =>
  deploymentFixture(id, {
    status: "STATUS_CREATING",
    conditions: [
      { type: "Ready", status: "False", reason: "ModelLoading", message: "Downloading weights from CAIOS" },
      { type: "Progressing", status: "True", reason: "ReplicasStarting", message: "Waiting for replicas to start." },
    ],
  }).deployment;
const fixtures = {
  "pipeline-rollout": {
    steps: [
      { deployment: creating("pipeline-rollout"), requests: 3 },
      { deployment: deploymentFixture("pipeline-rollout").deployment },
    ],
  },
  "pipeline-broken": {
    steps: [
      { deployment: creating("pipeline-broken"), requests: 2 },
      {
        deployment: deploymentFixture("pipeline-broken", {
          status: "STATUS_FAILED",
          conditions: [
            { type: "Ready", status: "False", reason: "ImagePullBackOff", message: "Back-off pulling the runtime image." },
            { type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: "Rollout did not finish." },
          ],
        }).deployment,
      },
    ],
  },
};
writeFileSync(process.argv[2], JSON.stringify(fixtures, null, 2));
NODE
# The workflow's deploy job has the token secret (here the emulator's) and the endpoint.
demo_start_emulator "$pkg/dist/testing/emulator-cli.js" --fixtures "$work/fixtures.json"

# A fresh synth of examples/pipelines/app for deployment $1 into $work/$1: the workflow's
# `npx cdktf synth`, run with node directly (faster, and the cdktf CLI phones home).
synth() {
  local id=$1
  cd "$repo"
  step "$work/$id/synth.log" env DEPLOYMENT_ID="$id" CDKTF_OUTDIR="$work/$id/cdktf.out" \
    PIPELINE_STATE_FILE="$work/$id/terraform.serving.tfstate" \
    node --require tsx/cjs examples/pipelines/app/main.ts
}

# The deploy job for one deployment. Like CI, it stops at the first failing step. Sets `summary`
# ("wait=0 synth=0 ...").
deploy_job() {
  local id=$1 n=$2
  local dir="$work/$id"
  local rc
  summary=""
  mkdir -p "$dir"
  cd "$repo"

  header "$n/2 deploy job for $id: wait for READY"
  cd "$app"
  echo "\$ cd $app"
  printf '$ npx coreweave-inference wait %s --timeout 1m --interval 500ms\n' "$id"
  # Progress lines go to stderr, the result to stdout; both are shown here.
  npx coreweave-inference wait "$id" --timeout 1m --interval 500ms 2>&1 | indent && rc=0 || rc=$?
  cd "$repo"
  echo "wait exit code: $rc"
  summary="wait=$rc"
  if [ "$rc" -ne 0 ]; then
    echo "The wait failed: the job stops here; synth, plan and apply do not run."
    return 0
  fi

  header "$n/2 deploy job for $id: fresh synth, plan, apply"
  synth "$id" && rc=0 || rc=$?
  summary+=" synth=$rc"
  if [ "$rc" -ne 0 ]; then indent <"$dir/synth.log"; return 0; fi
  echo "    wrote $dir/cdktf.out/stacks/serving/cdk.tf.json"

  cd "$dir"
  echo "\$ cd $dir"
  step init.log terraform -chdir=cdktf.out/stacks/serving init -input=false && rc=0 || rc=$?
  summary+=" init=$rc"
  if [ "$rc" -ne 0 ]; then indent <init.log; return 0; fi
  grep -E 'successfully initialized' init.log | indent || true

  step plan.log terraform -chdir=cdktf.out/stacks/serving plan -input=false -out=tfplan &&
    rc=0 || rc=$?
  summary+=" plan=$rc"
  if [ "$rc" -ne 0 ]; then indent <plan.log; return 0; fi
  grep -E '^ *# |^Plan:' plan.log | sed 's/^ *//' | indent || true

  step apply.log terraform -chdir=cdktf.out/stacks/serving apply -input=false tfplan &&
    rc=0 || rc=$?
  summary+=" apply=$rc"
  if [ "$rc" -ne 0 ]; then indent <apply.log; return 0; fi
  grep -E 'Creation complete|Apply complete!' apply.log | indent || true
  cd "$repo"
}

# The workflow's drift job, after the apply: a fresh synth (new lookup, new observedAt), then
# `plan -detailed-exitcode`, which must exit 0: nothing changed, and timestamps do not count.
drift_job() {
  local id=$1
  local dir="$work/$id"
  local rc
  header "drift job for $id: fresh synth, plan -detailed-exitcode (0 = no changes, 2 = drift)"
  synth "$id" && rc=0 || rc=$?
  if [ "$rc" -ne 0 ]; then summary+=" drift-synth=$rc"; indent <"$dir/synth.log"; return 0; fi
  cd "$dir"
  echo "\$ cd $dir"
  step drift-init.log terraform -chdir=cdktf.out/stacks/serving init -input=false && rc=0 || rc=$?
  if [ "$rc" -ne 0 ]; then summary+=" drift-init=$rc"; indent <drift-init.log; return 0; fi
  step drift.log terraform -chdir=cdktf.out/stacks/serving plan -input=false -detailed-exitcode &&
    rc=0 || rc=$?
  summary+=" drift=$rc"
  grep -E '^ *# |^Plan:|No changes' drift.log | sed 's/^ *//' | indent || true
  [ "$rc" -eq 0 ] || indent <drift.log
  cd "$repo"
}

# What Terraform applied for a deployment: the resources in its state, if it has a state at all.
show_state() {
  local id=$1
  local dir="$work/$id"
  local state="$dir/terraform.serving.tfstate" stack="$dir/cdktf.out/stacks/serving"
  if [ ! -e "$state" ]; then
    echo "$id: no state file: $state does not exist; nothing applied."
    [ -e "$dir/cdktf.out" ] || echo "$id: not even synthesized: $dir/cdktf.out does not exist."
    applied=no
    return 0
  fi
  local resources
  resources=$(terraform -chdir="$stack" state list 2>&1 | nocolor) || true
  echo "$id: resources in state ($state):"
  printf '%s\n' "$resources" | indent
  if printf '%s\n' "$resources" | grep -qx 'terraform_data\.rollout'; then
    applied=yes
  else
    applied=no
  fi
}

deploy_job pipeline-rollout 1
case "$summary" in *apply=0) drift_job pipeline-rollout ;; esac
rollout_summary=$summary
deploy_job pipeline-broken 2
broken_summary=$summary

header "What was applied"
show_state pipeline-rollout
rollout_applied=$applied
show_state pipeline-broken
broken_applied=$applied

verdict() { if [ "$1" = yes ]; then echo APPLIED; else echo "NOT APPLIED"; fi; }
header "Summary"
echo "pipeline-rollout: $rollout_summary -> $(verdict "$rollout_applied")"
echo "pipeline-broken: $broken_summary -> $(verdict "$broken_applied")"

ok=yes
if [ "$rollout_summary" != "wait=0 synth=0 init=0 plan=0 apply=0 drift=0" ] ||
  [ "$rollout_applied" != yes ]; then
  echo "UNEXPECTED: pipeline-rollout should wait (exit 0), plan, apply the rollout, show no drift." >&2
  ok=no
fi
if [ "$broken_summary" != "wait=4" ] || [ "$broken_applied" != no ]; then
  echo "UNEXPECTED: pipeline-broken should stop at the wait (exit 4) with nothing applied." >&2
  ok=no
fi
if [ "$ok" = yes ]; then
  echo "OK: the READY deployment rolled out; the FAILED one stopped at the wait, nothing applied."
else
  exit 1
fi
