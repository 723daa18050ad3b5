#!/usr/bin/env bash
# npm run demo: start the local CoreWeave API emulator, then run real `cdktf plan`s of the
# examples against it: typed outputs, one rollout that passes the READY gate, one that is blocked.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/demo-common.sh
source scripts/demo-common.sh
demo_prepare "The demo runs real plans and"

demo_start_emulator --require tsx/cjs src/testing/emulator-cli.ts

plan() { npx cdktf plan "$1" --output "$work/cdktf.out" >"$work/plan.log" 2>&1; }

echo
echo "== 1/3 typed outputs: gateway routes and model config from deployment demo-ready"
MODEL_DEPLOYMENT_ID=demo-ready ROLLOUT_DEPLOYMENT_ID=demo-ready plan model-serving || {
  cat "$work/plan.log"; echo "FAILED: the typed-outputs plan should pass." >&2; exit 1; }
grep -E '# terraform_data\.(route|model-config)|\+ (gateway_id|model_uri) |Plan:' "$work/plan.log" | sed 's/^ *//'

echo
echo "== 2/3 gated rollout of demo-ready (STATUS_READY): the plan passes"
if ROLLOUT_DEPLOYMENT_ID=demo-ready plan rollout; then
  grep -E 'Plan:' "$work/plan.log" | sed 's/^ *//'
  echo "PASSED: rollout may proceed."
else
  cat "$work/plan.log"; echo "FAILED: a READY deployment should pass the gate." >&2; exit 1
fi

echo
echo "== 3/3 gated rollout of demo-creating (STATUS_CREATING): the plan is blocked"
if ROLLOUT_DEPLOYMENT_ID=demo-creating plan rollout; then
  cat "$work/plan.log"; echo "FAILED: a CREATING deployment must not pass the gate." >&2; exit 1
fi
# The CLI prints Terraform's error once per stream; show the reason once.
awk '/is not ready/ && !seen { seen = 1; show = 1 } show && /^ *[│]? *$/ { exit } show' "$work/plan.log" \
  | sed 's/^[ │]*//' || true
grep -q 'CoreWeave deployment "demo-creating" is not ready' "$work/plan.log" || {
  cat "$work/plan.log"; echo "FAILED: the plan failed, but not at the gate." >&2; exit 1; }
echo "BLOCKED: rollout stopped by the readiness gate, as intended."
