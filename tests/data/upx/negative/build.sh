#!/usr/bin/env bash
# Build the UPX false-positive set: ordinary (unpacked) programs that contain UPX-looking bytes.
# Needs gcc and musl-gcc.  Writes bin/ and build-log.jsonl; ../make_manifest.py adds the truth.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE"
PY=${PYTHON:-python3}
rm -rf bin && mkdir -p bin
: > build-log.jsonl
nf() { # nf NAME SOURCE "BUILD CMD" "NOTES"
    echo "== $1"
    bash -c "$3"
    "$PY" -c 'import json,sys; print(json.dumps(dict(zip(["name","source","build","notes"], sys.argv[1:])) | {"file": "bin/" + sys.argv[1]}, sort_keys=True))' \
        "$1" "$2" "$3" "$4" >> build-log.jsonl
}
nf strings-static-musl src/upx_strings.c 'musl-gcc -Os -s -static -o bin/strings-static-musl src/upx_strings.c' \
   'static musl program with "UPX! goes brrr", a $Info and a $Id string: not packed'
nf strings-dynamic-glibc src/upx_strings.c 'gcc -Os -s -o bin/strings-dynamic-glibc src/upx_strings.c' \
   'dynamic glibc PIE with the same UPX-looking strings: not packed (dynamic for other reasons)'
nf sections-upx0-upx1 src/upx_sections.c 'gcc -Os -o bin/sections-upx0-upx1 src/upx_sections.c' \
   'dynamic glibc program with ELF sections named UPX0 and UPX1 (not stripped so section names stay): not packed'
nf sections-upx0-upx1-static src/upx_sections.c 'musl-gcc -Os -static -o bin/sections-upx0-upx1-static src/upx_sections.c' \
   'static musl program with sections UPX0/UPX1: not packed'
