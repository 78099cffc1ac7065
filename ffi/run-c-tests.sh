#!/usr/bin/env bash
# Builds libcallseal, compiles the C example and the C error-path tests against it with gcc,
# runs them, then runs them again under valgrind (no errors, no leaks).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in gcc valgrind; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install -y $tool)" >&2; exit 1; }
done
cargo build --release -p callseal-ffi
out=target/c-tests
# The shared library as an install lays it out: the file under its SONAME, and the link the
# linker looks for.
lib="$out/lib"
mkdir -p "$lib"
soname=$(readelf -d target/release/libcallseal.so | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
cp target/release/libcallseal.so "$lib/$soname"
ln -sf "$soname" "$lib/libcallseal.so"
for src in ffi/examples/call.c ffi/tests/errors.c; do
  name=$(basename "$src" .c)
  # Against the shared library, and statically (what a pipeline without rpath would do).
  gcc -std=c11 -Wall -Wextra -Werror -O1 -g -Iffi/include "$src" -L"$lib" -lcallseal \
      -Wl,-rpath,"$PWD/$lib" -o "$out/$name"
  gcc -std=c11 -Wall -Wextra -Werror -O1 -g -Iffi/include "$src" target/release/libcallseal.a \
      -lpthread -ldl -lm -o "$out/$name-static"
done
for bin in call errors call-static errors-static; do
  echo "== $bin"
  "$out/$bin"
done
for bin in call errors; do
  echo "== valgrind $bin"
  valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect,possible \
    --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=1 "$out/$bin"
done
echo "C tests: all passed"
