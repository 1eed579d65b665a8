#!/usr/bin/env bash
# Build the UPX 4.x fixture set: originals from src/ with real toolchains, packed by UPX 4.2.4.
#
# Needs: UPX 4.x ($LINKGUARD_UPX4, else get-upx4.sh fetches Debian trixie's upx-ucl 4.2.4), gcc,
# musl-gcc (Debian musl-tools), `python -m ziglang cc` (PyPI package ziglang), go, readelf, file.
# Writes bin/<name> (packed), bin/orig/<name> (the original, when small), bin/tampered/ and
# build-log.jsonl (one JSON record per fixture or refusal, with the exact commands), then runs
# make_manifest.py.  Commands are recorded with "$OUT" (the original's path in a temp dir) and
# "$UPX4" (the UPX 4 command) left unexpanded.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE"
PY=${PYTHON:-python3}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if [ -n "${LINKGUARD_UPX4:-}" ]; then
    UPX4=$LINKGUARD_UPX4
else
    UPX4=$(bash get-upx4.sh | tail -1)
fi
"$UPX4" --version | head -1 | grep -q '^upx 4\.' || { echo "need UPX 4.x, got: $("$UPX4" --version | head -1)" >&2; exit 1; }
export UPX4  # not "UPX": UPX reads default options from $UPX

KEEP_ORIG_MAX=120000
ZIG="$PY -m ziglang cc"

rm -rf bin
mkdir -p bin/orig
: > build-log.jsonl

log() { # log KEY=VALUE... as one JSON line
    "$PY" - "$@" >> build-log.jsonl <<'PY'
import json, sys
rec = {}
for arg in sys.argv[1:]:
    k, _, v = arg.partition("=")
    rec[k] = v
print(json.dumps(rec, sort_keys=True))
PY
}

# fx NAME SOURCE "BUILD CMD (writes $OUT)" "UPX FLAGS" "NOTES"
fx() {
    local name=$1 src=$2 build=$3 flags=$4 notes=$5
    export OUT=$WORK/$name
    echo "== $name"
    bash -c "$build"
    local pack="\"\$UPX4\" -q $flags -o bin/$name \"\$OUT\""
    local msg
    if msg=$(bash -c "$pack" 2>&1); then
        local keep=""
        if [ "$(stat -c %s "$OUT")" -le "$KEEP_ORIG_MAX" ]; then
            cp "$OUT" "bin/orig/$name"
            keep="orig/$name"
        fi
        log name="$name" file="bin/$name" source="$src" build="$build" pack="$pack" \
            kept_original="$keep" notes="$notes"
    else
        msg=$(printf '%s\n' "$msg" | grep -E 'Exception|rror|upx' | sed "s#$WORK/##g" | head -3)
        rm -f "bin/$name"
        log name="$name" refused="upx 4 refuses $name: $msg" source="$src" build="$build" \
            pack="$pack" notes="$notes"
    fi
}

C=src/cmath.c
NSC=-Wl,-z,noseparate-code
# ---- amd64, glibc (gcc, Debian glibc 2.36) ------------------------------------------------
fx amd64-glibc-dyn-pie-nrv2b-9 $C "gcc -Os -s $NSC -o \"\$OUT\" src/cmath.c -lm" '--nrv2b -9' \
   'dynamic PIE glibc (libm pow/exp@GLIBC_2.29), NRV2B level 9; runs'
fx amd64-glibc-dyn-pie-sepcode-nrv2b-1 $C 'gcc -Os -s -o "$OUT" src/cmath.c -lm' '--nrv2b -1' \
   'gcc default -z separate-code layout (4 PT_LOADs, R-only first); 4.x filters the largest PF_X PT_LOAD, not the first'
fx amd64-glibc-dyn-nopie-nrv2d-1 $C "gcc -Os -s -no-pie $NSC -o \"\$OUT\" src/cmath.c -lm" '--nrv2d -1' \
   'non-PIE dynamic glibc (ET_EXEC), NRV2D level 1; runs; tamper source'
fx amd64-glibc-dyn-pie-nrv2e-9 $C "gcc -Os -s $NSC -o \"\$OUT\" src/cmath.c -lm" '--nrv2e -9' \
   'dynamic PIE glibc, NRV2E level 9'
fx amd64-glibc-dyn-pie-lzma $C "gcc -Os -s $NSC -o \"\$OUT\" src/cmath.c -lm" '--lzma' \
   'dynamic PIE glibc, LZMA; runs; tamper source'
fx amd64-glibc-static-1 $C 'gcc -Os -s -static -o "$OUT" src/cmath.c -lm' '-1' \
   'static glibc (default separate-code layout), default method at level 1'
fx amd64-glibc-static-pie-9 $C 'gcc -Os -s -static-pie -o "$OUT" src/cmath.c -lm' '-9' \
   'static-pie glibc (ET_DYN, DF_1_PIE, no PT_INTERP): 3.94 refused it, 4.x packs it'
fx amd64-glibc-shared-lib-nrv2b-9 src/libcm.c 'gcc -Os -s -shared -fPIC -Wl,-soname,liblgcm.so.1 -o "$OUT" src/libcm.c -lm' '--nrv2b -9' \
   'shared library with DT_SONAME: 4.x packs it and keeps PT_DYNAMIC/DT_NEEDED/DT_SONAME readable (guide 1.10)'
fx amd64-glibc-shared-lib-lzma src/libcm.c 'gcc -Os -s -shared -fPIC -Wl,-soname,liblgcm.so.1 -o "$OUT" src/libcm.c -lm' '--lzma' \
   'shared library, LZMA (observed: the LZMA-packed library crashes when loaded, see truth.run)'
fx amd64-glibc-shared-lib-nsc-nrv2e-9 src/libcm.c "gcc -Os -s -shared -fPIC $NSC -Wl,-soname,liblgcm.so.1 -o \"\$OUT\" src/libcm.c -lm" '--nrv2e -9' \
   'shared library with the noseparate-code layout (one R-E PT_LOAD from offset 0), NRV2E'
# ---- amd64, musl (musl-gcc, musl 1.2.3) --------------------------------------------------
fx amd64-musl-static-nrv2e-9 $C 'musl-gcc -Os -s -static -o "$OUT" src/cmath.c -lm' '--nrv2e -9' \
   'static musl with the default separate-code layout: 3.94 refused it, 4.x packs it'
fx amd64-musl-dyn-lzma $C 'musl-gcc -Os -s -o "$OUT" src/cmath.c -lm' '--lzma' \
   'dynamic musl (interpreter /lib/ld-musl-x86_64.so.1, NEEDED libc.so), LZMA'
# ---- amd64, Go ---------------------------------------------------------------------------
fx amd64-go-static-lzma src/gostatic 'cd src/gostatic && CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags="-s -w" -o "$OUT" .' '--lzma' \
   'pure Go CGO_ENABLED=0 (static ET_EXEC), LZMA; build info survives packing'
fx amd64-go-cgo-dyn-nrv2e-9 src/gocgo 'cd src/gocgo && CGO_ENABLED=1 CC=gcc go build -trimpath -buildvcs=false -ldflags="-s -w" -o "$OUT" .' '--nrv2e -9' \
   'cgo Go on glibc: dynamic, pow@GLIBC_2.29 from libm.so.6, hidden by packing'
fx amd64-go-pie-nrv2b-9 src/gostatic 'cd src/gostatic && CGO_ENABLED=0 go build -trimpath -buildvcs=false -buildmode=pie -ldflags="-s -w" -o "$OUT" .' '--nrv2b -9' \
   'Go -buildmode=pie, internal linking (PT_INTERP, no DT_NEEDED): 3.94 refused it'
# ---- i386 --------------------------------------------------------------------------------
fx i386-musl-static-nrv2e-9 $C "$ZIG -target x86-linux-musl -Os -s -o \"\$OUT\" src/cmath.c -lm" '--nrv2e -9' \
   'i386 static musl (zig)'
fx i386-glibc-dyn-lzma $C "$ZIG -target x86-linux-gnu -Os -s -o \"\$OUT\" src/cmath.c -lm" '--lzma' \
   'i386 dynamic glibc (zig x86-linux-gnu, interpreter /lib/ld-linux.so.2)'
# ---- arm 32 LE ---------------------------------------------------------------------------
fx arm-musl-static-nrv2b-9 $C "$ZIG -target arm-linux-musleabihf -Os -s -o \"\$OUT\" src/cmath.c -lm" '--nrv2b -9' \
   'ARM 32-bit LE static musl'
fx arm-glibc-dyn-nrv2e-1 $C "$ZIG -target arm-linux-gnueabihf -Os -s -o \"\$OUT\" src/cmath.c -lm" '--nrv2e -1' \
   'ARM 32-bit LE dynamic glibc (interpreter /lib/ld-linux-armhf.so.3)'
# ---- aarch64 -----------------------------------------------------------------------------
fx aarch64-musl-static-lzma $C "$ZIG -target aarch64-linux-musl -Os -s -o \"\$OUT\" src/cmath.c -lm" '--lzma' \
   'aarch64 static musl, LZMA'
fx aarch64-glibc-dyn-nrv2b-9 $C "$ZIG -target aarch64-linux-gnu -Os -s -o \"\$OUT\" src/cmath.c -lm" '--nrv2b -9' \
   'aarch64 dynamic glibc (zig aarch64-linux-gnu)'
fx aarch64-go-static-nrv2e src/gostatic 'cd src/gostatic && CGO_ENABLED=0 GOARCH=arm64 go build -trimpath -buildvcs=false -ldflags="-s -w" -o "$OUT" .' '--nrv2e' \
   'pure Go for arm64 (static), NRV2E default level'
# ---- mips, ppc ---------------------------------------------------------------------------
fx mips-musl-static-nrv2b-1 $C "$ZIG -target mips-linux-musleabi -Os -s -o \"\$OUT\" src/cmath.c -lm" '--nrv2b -1' \
   'MIPS big-endian static musl'
fx mipsel-musl-static-lzma $C "$ZIG -target mipsel-linux-musleabi -Os -s -o \"\$OUT\" src/cmath.c -lm" '--lzma' \
   'MIPS little-endian static musl, LZMA'
fx ppc64le-musl-static-nrv2b-9 $C "$ZIG -target powerpc64le-linux-musl -Os -s -o \"\$OUT\" src/cmath.c -lm" '--nrv2b -9' \
   'PowerPC 64-bit LE static musl'
fx ppc32-musl-static-nrv2e-9 $C "$ZIG -target powerpc-linux-musleabi -Os -s -o \"\$OUT\" src/cmath.c -lm" '--nrv2e -9' \
   'PowerPC 32-bit big-endian static musl'
# ---- expected refusals -------------------------------------------------------------------
fx riscv64-musl-static $C "$ZIG -target riscv64-linux-musl -Os -s -o \"\$OUT\" src/cmath.c -lm" '-9' \
   'RISC-V 64: no UPX ELF format for it'
fx s390x-musl-static $C "$ZIG -target s390x-linux-musl -Os -s -o \"\$OUT\" src/cmath.c -lm" '-9' \
   's390x: no UPX ELF format for it'

# a small dlopen driver for the packed shared libraries (not packed itself; the manifest runs it)
gcc -Os -s -o bin/orig/usecm src/usecm.c -ldl
log name="usecm" helper="bin/orig/usecm" source="src/usecm.c" build='gcc -Os -s -o bin/orig/usecm src/usecm.c -ldl' \
    notes="dlopen driver: runs a packed shared library's exported functions"

[ "${1:-}" = "--no-post" ] && exit 0
LINKGUARD_UPX4=$UPX4 "$PY" make_tampered.py
LINKGUARD_UPX4=$UPX4 "$PY" make_manifest.py
