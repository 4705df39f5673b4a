#!/usr/bin/env bash
# The LiteLLM export, read by LiteLLM itself: the bundled suite runs on the simulator
# (which here requires a key, as OpenRouter does), `routeval export litellm` writes the
# proxy config of its approved routes, and scripts/litellm_roundtrip.py loads that file
# with LiteLLM's Router and with its proxy's config loader, and sends each workflow a
# request through them to the simulator (the checks are listed in that file).
#
#   scripts/litellm-roundtrip.sh
#
# LiteLLM is installed, pinned, in a Python virtual environment outside the clone
# ($ROUTEVAL_VENV, by default ~/.cache/routeval-venv), made once and reused while it
# holds the pinned version. Python's `venv` module comes from Debian's python3-venv
# package where the interpreter lacks it, installed when missing. Nothing leaves this
# machine but pip's downloads from the package index; every request goes to loopback.
set -euo pipefail
cd "$(dirname "$0")/.."

# LiteLLM's proxy extra brings the config loader (litellm.proxy.proxy_server).
LITELLM="litellm[proxy]==1.106.12"
VENV="${ROUTEVAL_VENV:-$HOME/.cache/routeval-venv}"

log() { echo "litellm-roundtrip: $*" >&2; }

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

# A virtual environment with the pinned LiteLLM; the line in $VENV/.routeval-pin says
# what was installed, so a changed pin reinstalls.
venv() {
  if [[ ! -x $VENV/bin/python ]]; then
    rm -rf "$VENV"
    if ! python3 -m venv "$VENV" >&2; then
      log "python3 has no venv module: installing python3-venv"
      rm -rf "$VENV"
      if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv >&2; then
        as_root apt-get update >&2
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv >&2
      fi
      python3 -m venv "$VENV" >&2
    fi
  fi
  if [[ $(cat "$VENV/.routeval-pin" 2>/dev/null) != "$LITELLM" ]]; then
    log "installing $LITELLM into $VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$LITELLM" >&2
    echo "$LITELLM" >"$VENV/.routeval-pin"
  fi
}

free_port() {
  python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

started=$SECONDS
venv
log "LiteLLM ready in $((SECONDS - started)) s"

WORK="$(mktemp -d)"
# The bundled suite pointed at this script's simulator, beside the original so its
# relative paths still resolve.
SUITE=".litellm-roundtrip.toml"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK" "$SUITE"' EXIT
PORT="${ROUNDTRIP_PORT:-$(free_port)}"
DB="sqlite://$WORK/roundtrip.db"

cargo build -q -p routeval-cli
ROUTEVAL="${CARGO_TARGET_DIR:-target}/debug/routeval"
sed "s#http://127.0.0.1:4141/api/v1#http://127.0.0.1:$PORT/api/v1#" routeval.toml >"$SUITE"

# The key the simulator requires and the suite's endpoint names (ROUTEVAL_SIM_KEY): new
# each time, and nowhere but in this variable.
ROUTEVAL_SIM_KEY="sk-sim-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
export ROUTEVAL_SIM_KEY

"$ROUTEVAL" sim --port "$PORT" --latency-scale 0 --suite "$SUITE" \
  --api-key-env ROUTEVAL_SIM_KEY 2>"$WORK/sim.log" &
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$PORT/api/v1/models" && break
  sleep 0.1
done
curl -s -o /dev/null "http://127.0.0.1:$PORT/api/v1/models" \
  || { log "the simulator did not start:"; cat "$WORK/sim.log" >&2; exit 1; }

# The catalog first, so the export has each model's price and context.
"$ROUTEVAL" models sync --suite "$SUITE" --db "$DB" >&2
"$ROUTEVAL" run "$SUITE" --db "$DB" --quiet >&2
"$ROUTEVAL" export litellm --db "$DB" --out "$WORK/config.yaml" >/dev/null
"$VENV/bin/python" scripts/litellm_roundtrip.py "$WORK/config.yaml"
log "passed in $((SECONDS - started)) s"
