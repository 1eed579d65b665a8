#!/usr/bin/env bash
# Zippered Mach-O files (issue 15 item 4): one slice carrying two LC_BUILD_VERSION commands, macOS and Mac
# Catalyst, as Xcode writes for a zippered framework. Built from ../src/plugin.c:
#   - zippered-x86_64.o: `zig cc -darwin-target-variant` (clang's target-variant option) writes both build
#     versions into the object file;
#   - zippered-{x86_64,arm64}.dylib: ld64.lld (Debian lld-15) links that object with two -platform_version
#     options, macOS first (the primary platform) and mac-catalyst second, against ../src/libSystem.tbd;
#   - zippered-universal.dylib: llvm-lipo joins both dylibs.
# The floors are macOS 14.0 and Mac Catalyst 17.0 on purpose: a reader that keeps only the last build version
# sees Catalyst and never judges the macOS 14 floor. Then make_manifest.py records llvm-objdump's truth.
# Needs: python3 -m ziglang (PyPI ziglang), ld64.lld or ld64.lld-15, llvm-lipo(-14), llvm-objdump, file.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE"
PY=${PYTHON:-python3}
LD64=$(command -v ld64.lld || command -v ld64.lld-15)
LIPO=$(command -v llvm-lipo || command -v llvm-lipo-14)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
SRC=../src/plugin.c
TBD=../src/libSystem.tbd

"$PY" -m ziglang cc -Os -target x86_64-macos.14.0 -darwin-target-variant x86_64-apple-ios17.0-macabi -c -o zippered-x86_64.o "$SRC"
"$PY" -m ziglang cc -Os -target aarch64-macos.14.0 -darwin-target-variant arm64-apple-ios17.0-macabi -c -o "$WORK/zippered-arm64.o" "$SRC"
for arch in x86_64 arm64; do
    obj=zippered-x86_64.o
    [ "$arch" = arm64 ] && obj=$WORK/zippered-arm64.o
    "$LD64" -arch "$arch" -platform_version macos 14.0 14.0 -platform_version mac-catalyst 17.0 17.0 -dylib \
        -install_name @rpath/libzippered.dylib -o "zippered-$arch.dylib" "$obj" "$TBD"
done
"$LIPO" -create zippered-x86_64.dylib zippered-arm64.dylib -output zippered-universal.dylib
"$PY" make_manifest.py
