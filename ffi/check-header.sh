#!/usr/bin/env bash
# Fails when ffi/include/callseal.h is not what cbindgen makes from ffi/src/lib.rs now.
set -euo pipefail
cd "$(dirname "$0")"
command -v cbindgen >/dev/null || { echo "cbindgen is missing: cargo install cbindgen --locked" >&2; exit 1; }
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
cbindgen --config cbindgen.toml --crate callseal-ffi --output "$tmp" . 2>/dev/null
if ! diff -u include/callseal.h "$tmp"; then
  echo "ffi/include/callseal.h is out of date: run (cd ffi && cbindgen --config cbindgen.toml --crate callseal-ffi --output include/callseal.h .)" >&2
  exit 1
fi
echo "ffi/include/callseal.h is up to date"
