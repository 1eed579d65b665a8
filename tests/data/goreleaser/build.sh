#!/usr/bin/env bash
# Build the goreleaser fixture: a tiny Go project released for linux/amd64 (static, CGO_ENABLED=0),
# linux/arm64 (cgo, glibc-dynamic), windows/amd64 and darwin/arm64, stripped with -s -w.
#
# With goreleaser v2 on PATH (`go install github.com/goreleaser/goreleaser/v2@v2.15.1`), goreleaser itself
# builds project/dist/ and writes artifacts.json. Without it, make_release.py runs the same `go build`
# commands goreleaser would (flags, ldflags, env, dist layout from .goreleaser.yaml) and writes
# artifacts.json in goreleaser v2's shape; manifest.json records which of the two produced the listing.
# Needs: go, aarch64-linux-gnu-gcc (Debian: gcc-aarch64-linux-gnu), readelf, file.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export GOTOOLCHAIN=local GOFLAGS=-mod=mod GOPROXY=off GOWORK=off SOURCE_DATE_EPOCH=1767225600
cd "$here/project"
rm -rf dist
if command -v goreleaser >/dev/null 2>&1; then
  goreleaser build --snapshot --clean
  producer="goreleaser $(goreleaser --version 2>/dev/null | awk '/GitVersion/ {print $2}')"
else
  python3 "$here/make_release.py" "$here/project"
  producer="make_release.py (goreleaser not installed)"
fi
python3 "$here/make_manifest.py" "$here" "$producer"
