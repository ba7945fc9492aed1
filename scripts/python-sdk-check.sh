#!/usr/bin/env bash
# The official `openai` Python SDK against `requesty-router serve`, backed by a
# loopback mock OpenAI server: create, streaming, tool calls, parse with a
# Pydantic model, the error classes, and a SIGTERM shutdown that flushes the log.
#
#   bash scripts/python-sdk-check.sh
#
# Needs python3 (with venv) and network access to PyPI; everything else is local.
# REQUESTY_SDK_VENV=/path reuses (or creates) a virtual environment there.
set -euo pipefail
cd "$(dirname "$0")/.."

OPENAI_VERSION=3.57.0
PYDANTIC_VERSION=2.14.4

started=$(date +%s)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

venv="${REQUESTY_SDK_VENV:-$work/venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
echo "== pip install openai==$OPENAI_VERSION pydantic==$PYDANTIC_VERSION"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  "openai==$OPENAI_VERSION" "pydantic==$PYDANTIC_VERSION"

echo "== cargo build --features server --bin requesty-router"
cargo build --quiet --features server --bin requesty-router
bin="${CARGO_TARGET_DIR:-target}/debug/requesty-router"

echo "== python scripts/python_sdk_check.py"
"$venv/bin/python" scripts/python_sdk_check.py --bin "$bin" --work "$work"
echo "python SDK check: $(( $(date +%s) - started )) s"
