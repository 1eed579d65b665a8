#!/usr/bin/env bash
# Executables whose LC_LOAD_DYLIB install name is not in normal form (issue 15 item 9): `..`, `.` and doubled
# slashes that the file system resolves, so `/usr/lib/../../opt/homebrew/lib/libfoo.dylib` is a Homebrew library,
# not part of macOS, and `/opt/homebrew/../../usr/lib/libfoo.dylib` is under /usr/lib. Built from ../src/foo.c and
# ../src/usefoo.c with `python3 -m ziglang cc` (x86_64-macos.12.0): libfoo.dylib gets each install name with
# -install_name, and usefoo-<case> links against it, so its LC_LOAD_DYLIB names that exact string.
# Then make_manifest.py records `llvm-objdump --macho --dylibs-used` for each executable.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE"
PY=${PYTHON:-python3}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
ZCC="$PY -m ziglang cc -Os -target x86_64-macos.12.0"
build() { # build CASE INSTALL_NAME
    mkdir -p "$WORK/$1"
    $ZCC -shared -Wl,-install_name,"$2" -o "$WORK/$1/libfoo.dylib" ../src/foo.c
    $ZCC -o "usefoo-$1" ../src/usefoo.c -L"$WORK/$1" -lfoo
}
build up-from-usr-lib /usr/lib/../../opt/homebrew/lib/libfoo.dylib
build up-from-system /System/Library/../../usr/local/lib/libfoo.dylib
build double-slash //usr/lib/../local/lib/libfoo.dylib
build dot-in-usr-lib /usr/lib/./libfoo.dylib
build into-usr-lib /opt/homebrew/../../usr/lib/libfoo.dylib
"$PY" make_manifest.py
