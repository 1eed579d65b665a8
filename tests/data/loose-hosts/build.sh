#!/usr/bin/env bash
# Build the loose-host fixtures (plugins given alone, outside any wheel or npm package) from src/, then record
# the truth (make_manifest.py). Needs: gcc and Debian python3-dev (/usr/bin/python3-config, python3.11),
# `python3 -m ziglang` (PyPI ziglang 0.17.1), and for the truth nm, readelf (binutils), llvm-nm and llvm-objdump
# (Debian llvm) and auditwheel 6.8.2 (PyPI).
#   bin/macos/looseaddon-<arch>.node  a Node-API addon registering itself from a constructor (napi_module_register):
#       no napi_register_module_v1 export, its napi_* left undefined for node (-undefined dynamic_lookup, as
#       node-gyp links every macOS addon). zig cc cannot link -bundle (it crashes), so it is an MH_DYLIB.
#   bin/linux/embed/embedmod...so     an extension module linked with `python3-config --ldflags --embed`: needs
#       libpython3.11.so.1.0;
#   bin/linux/fixed/embedmod...so     the same source linked as linkguard's fix says (`--ldflags`, no --embed).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE"
PY=${PYTHON:-python3}
CONFIG=/usr/bin/python3-config  # Debian's python3-dev, not a pyenv shim
export PY CONFIG
rm -rf bin
mkdir -p bin/macos bin/linux/embed bin/linux/fixed
: > build-log.jsonl
fx() { # fx FILE "COMMAND": run it and log the command (build-log.jsonl)
    echo "== $1"
    bash -c "$2"
    "$PY" -c 'import json, sys; print(json.dumps({"file": sys.argv[1], "build": sys.argv[2]}))' "$1" "$2" >> build-log.jsonl
}
for arch in aarch64 x86_64; do
    fx bin/macos/looseaddon-$arch.node \
       "\$PY -m ziglang cc -Os -target $arch-macos -shared -Wl,-undefined,dynamic_lookup -o bin/macos/looseaddon-$arch.node src/looseaddon.c"
done
MOD=embedmod.cpython-311-x86_64-linux-gnu.so
fx bin/linux/embed/$MOD "gcc -s -shared -fPIC \$(\$CONFIG --cflags) -o bin/linux/embed/$MOD src/embedmod.c \$(\$CONFIG --ldflags --embed)"
fx bin/linux/fixed/$MOD "gcc -s -shared -fPIC \$(\$CONFIG --cflags) -o bin/linux/fixed/$MOD src/embedmod.c \$(\$CONFIG --ldflags)"
"$PY" make_manifest.py
