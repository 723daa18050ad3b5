# Sourced by the demo scripts: a Terraform check, a work directory removed on exit (DEMO_KEEP=1
# keeps it), an emulator stopped on exit, and an offline Terraform environment.
# Usage: demo_prepare "<what needs Terraform>"; then start the emulator with `... &` and set
# emulator_pid=$!.

demo_prepare() {
  if ! command -v "${TERRAFORM_BINARY_NAME:-terraform}" >/dev/null; then
    echo "$1 needs Terraform >= 1.5 on PATH." >&2
    exit 1
  fi
  work=$(mktemp -d "${TMPDIR:-/tmp}/cw-demo.XXXXXX")
  emulator_pid=""
  trap demo_cleanup EXIT
  # Interrupted (Ctrl-C, kill, closed terminal): leave through the EXIT trap, with the usual status.
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
  # Offline: no version checks, no user CLI config pointing at unreachable mirrors.
  export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_CLI_CONFIG_FILE="$work/terraformrc"
  export FORCE_COLOR=0 NO_COLOR=1
  : >"$TF_CLI_CONFIG_FILE"
}

demo_cleanup() {
  # Stop the emulator and wait for it, so that its port is closed once the script returns.
  if [ -n "$emulator_pid" ]; then
    kill "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
  fi
  if [ -n "${DEMO_KEEP:-}" ]; then echo "kept $work"; else rm -rf "$work"; fi
}

# Starts the emulator with node itself (npx and tsx would each put processes in between that do
# not pass a kill on, so $! would not be the emulator; it also stops by itself if the script
# dies), waits until it listens, and exports COREWEAVE_API_ENDPOINT and COREWEAVE_API_TOKEN.
# Usage: demo_start_emulator <node arguments...>
demo_start_emulator() {
  node "$@" >"$work/emulator.log" 2>&1 &
  emulator_pid=$!
  url=""
  for _ in $(seq 1 150); do
    # The exact line the CLI prints once it listens (LISTENING_LINE_PREFIX, then the URL).
    url=$(sed -n 's/^CoreWeave Inference API emulator listening on //p' "$work/emulator.log" | head -n 1 || true)
    [ -n "$url" ] && break
    kill -0 "$emulator_pid" 2>/dev/null || { cat "$work/emulator.log" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$url" ] || { echo "The emulator did not start:" >&2; cat "$work/emulator.log" >&2; exit 1; }
  echo "Emulator: $url"
  export COREWEAVE_API_ENDPOINT="$url" COREWEAVE_API_TOKEN=emulator-token
}
