#!/usr/bin/env bash
# `make run`: Switchyard's edge worker on this machine, under workerd, with local Durable Object
# storage, a demo key, and the sandbox provider fleet when no provider key is set. Builds the
# WASI core first if it is missing. Ctrl-C stops everything it started.
#
#   SWITCHYARD_PORT (8787)  SWITCHYARD_DATA_DIR (.data)  SWITCHYARD_DEMO_KEY  SWITCHYARD_ADMIN_KEY
#   <PROVIDER>_API_KEY, <PROVIDER>_BASE_URL   (see examples/worker/README.md)
set -euo pipefail
cd "$(dirname "$0")/.."
# node replaces this shell, so Ctrl-C reaches it directly and it stops workerd and the fleet.
exec node scripts/run.mjs "$@"
