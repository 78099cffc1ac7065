#!/usr/bin/env bash
# Every fuzz target for 30 seconds on the committed corpus; any crash, hang or leak fails.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --quiet
fi
export RUSTC_BOOTSTRAP=1
cargo fuzz build
for target in $(cargo fuzz list); do
  echo "== fuzz $target (30 s)"
  # Run on a scratch copy of the corpus so CI leaves the committed one as it is.
  scratch=$(mktemp -d)
  cp -r "corpus/$target/." "$scratch/" 2>/dev/null || true
  log="$scratch.log"
  status=0
  cargo fuzz run "$target" "$scratch" -- -max_total_time=30 -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 >"$log" 2>&1 || status=$?
  grep -E "^(Done|stat::number_of_executed_units|stat::peak_rss_mb)|ERROR|panicked|SUMMARY" "$log" || true
  [ "$status" -eq 0 ] || tail -40 "$log"
  rm -f "$log"
  rm -rf "$scratch"
  if [ "$status" -ne 0 ]; then
    echo "fuzz target $target failed" >&2
    exit 1
  fi
done
echo "fuzz smoke: all targets ran 30 s without a crash"
