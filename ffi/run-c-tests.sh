#!/usr/bin/env bash
# Builds libcallseal and runs the C programs against it: the example call, the error-path tests
# and the misuse tests, each against the shared library, the static library, and the static
# library with AddressSanitizer and UndefinedBehaviorSanitizer; then under valgrind (no errors,
# no leaks). Last, the install: `make install` into a staging directory with no cargo on PATH,
# the SONAME and its links, a stripped library, and a program built with pkg-config.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in gcc valgrind readelf pkg-config; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install -y $tool)" >&2; exit 1; }
done
cargo build --release -p callseal-ffi
out=target/c-tests
# The shared library as an install lays it out: the file under its SONAME, and the link the
# linker looks for.
lib="$out/lib"
mkdir -p "$lib"
soname=$(readelf -d target/release/libcallseal.so | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
test -n "$soname" || { echo "libcallseal.so has no SONAME" >&2; exit 1; }
cp target/release/libcallseal.so "$lib/$soname"
ln -sf "$soname" "$lib/libcallseal.so"
cflags=(-std=c11 -Wall -Wextra -Werror -O1 -g -Iffi/include)
static_libs=(target/release/libcallseal.a -lpthread -ldl -lm)
programs=(ffi/examples/call.c ffi/tests/errors.c ffi/tests/misuse.c)
for src in "${programs[@]}"; do
  name=$(basename "$src" .c)
  gcc "${cflags[@]}" "$src" -L"$lib" -lcallseal -Wl,-rpath,"$PWD/$lib" -o "$out/$name"
  gcc "${cflags[@]}" "$src" "${static_libs[@]}" -o "$out/$name-static"
  gcc "${cflags[@]}" -fsanitize=address,undefined -fno-sanitize-recover=all \
      -fno-omit-frame-pointer "$src" "${static_libs[@]}" -o "$out/$name-sanitized"
done
for src in "${programs[@]}"; do
  name=$(basename "$src" .c)
  for variant in "" -static -sanitized; do
    echo "== $name$variant"
    "$out/$name$variant"
  done
done
for src in "${programs[@]}"; do
  name=$(basename "$src" .c)
  echo "== valgrind $name"
  valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect,possible \
    --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=1 "$out/$name"
done

echo "== make install, as root would run it: no cargo on PATH"
make -C ffi >/dev/null
stage="$out/stage"
rm -rf "$stage"
env PATH=/usr/bin:/bin make -s -C ffi install DESTDIR="$PWD/$stage" PREFIX=/usr/local
installed="$stage/usr/local/lib"
test "$(readlink "$installed/libcallseal.so")" = "$soname"
test -f "$installed/$(readlink "$installed/$soname")"
test "$(readelf -d "$installed/$soname" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')" = "$soname"
if readelf -S "$installed/$soname" | grep -q '\.debug_info'; then
  echo "the installed shared library carries debug information" >&2
  exit 1
fi
size=$(stat -L -c %s "$installed/$soname")
echo "installed $soname: $size bytes"
test "$size" -lt 4000000
PKG_CONFIG_PATH="$installed/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$PWD/$stage" \
  gcc "${cflags[@]}" ffi/examples/call.c \
  $(PKG_CONFIG_PATH="$installed/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$PWD/$stage" pkg-config --cflags --libs callseal) \
  -Wl,-rpath,"$PWD/$installed" -o "$out/call-installed"
"$out/call-installed" >/dev/null
echo "C tests: all passed"
