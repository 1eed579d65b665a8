#!/usr/bin/env bash
# Build the "remedy proof" fixtures: for each fix linkguard suggests, the program built the broken
# way ("before") and exactly the way the fix prescribes ("after"), so readelf/file can show that the
# fix delivers what it promises.  Needs: go, gcc, g++, musl-gcc (Debian musl-tools),
# `python -m ziglang cc/c++` (PyPI package ziglang), rustc (optional).
# Writes bin/, build-log.jsonl, then manifest.json (make_manifest.py).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE"
PY=${PYTHON:-python3}
ZIG="$PY -m ziglang"
rm -rf bin && mkdir -p bin
: > build-log.jsonl

logrec() { # logrec KEY=VALUE...
    "$PY" -c 'import json,sys; print(json.dumps(dict(a.split("=",1) for a in sys.argv[1:]), sort_keys=True))' "$@" >> build-log.jsonl
}

# rb REMEDY ROLE NAME SOURCE "BUILD CMD (run in this dir)" "NOTES"
# Builds bin/NAME unless it already exists (a "before" shared by two remedies is built once).
rb() {
    local remedy=$1 role=$2 name=$3 src=$4 cmd=$5 notes=$6 err=""
    echo "== $remedy $role $name"
    if [ ! -e "bin/$name" ]; then
        err=$(bash -c "$cmd" 2>&1 >/dev/null) || { printf '%s\n' "$err" >&2; exit 1; }
        err=$(printf '%s\n' "$err" | sed -E 's#/tmp/go-(link|build)[^/ :]*#/tmp/go-\1-XXX#g')
    fi
    logrec remedy="$remedy" role="$role" name="$name" file="bin/$name" source="$src" build="$cmd" \
        notes="$notes" build_stderr="$err"
}

# attempt REMEDY NAME "CMD" "NOTES": a command the fix might be written as, which does not work;
# its error is recorded so the suggested command can avoid it.
attempt() {
    local err
    echo "== attempt $2"
    if err=$(bash -c "$3" 2>&1); then
        logrec remedy="$1" role="attempt" name="$2" build="$3" notes="$4" result="succeeded" message="$err"
    else
        logrec remedy="$1" role="attempt" name="$2" build="$3" notes="$4" result="failed" \
            message="$(printf '%s\n' "$err" | sed -E 's#/tmp/go-(link|build)[^/ :]*#/tmp/go-\1-XXX#g')"
    fi
}

NU=src/netuser
# ---- Go: cgo resolver/user lookup -> CGO_ENABLED=0 or -tags netgo,osusergo ----------------------
rb go-cgo-disabled before netuser-cgo-dynamic $NU \
   'cd src/netuser && CGO_ENABLED=1 go build -buildvcs=false -ldflags="-s -w" -o ../../bin/netuser-cgo-dynamic .' \
   'net + os/user with cgo enabled (the default on a host with a C compiler): dynamic, NEEDED libc.so.6'
rb go-cgo-disabled after netuser-cgo-disabled $NU \
   'cd src/netuser && CGO_ENABLED=0 go build -buildvcs=false -ldflags="-s -w" -o ../../bin/netuser-cgo-disabled .' \
   'fix: CGO_ENABLED=0 -> pure-Go resolver and user lookup, static ET_EXEC'
rb go-netgo-osusergo before netuser-cgo-dynamic $NU \
   'cd src/netuser && CGO_ENABLED=1 go build -buildvcs=false -ldflags="-s -w" -o ../../bin/netuser-cgo-dynamic .' \
   'same binary as the go-cgo-disabled "before"'
rb go-netgo-osusergo after netuser-netgo-osusergo $NU \
   'cd src/netuser && CGO_ENABLED=1 go build -buildvcs=false -tags netgo,osusergo -ldflags="-s -w" -o ../../bin/netuser-netgo-osusergo .' \
   'fix: keep cgo enabled, -tags netgo,osusergo; with no import "C" left, Go links internally and statically'
# ---- Go: -buildmode=pie ---------------------------------------------------------------------------
rb go-drop-pie before tiny-pie-internal src/tiny \
   'cd src/tiny && CGO_ENABLED=0 go build -buildvcs=false -buildmode=pie -ldflags="-s -w" -o ../../bin/tiny-pie-internal .' \
   'Go -buildmode=pie with internal linking: ET_DYN with PT_INTERP and PT_DYNAMIC but no DT_NEEDED (interpreter-only PIE)'
rb go-drop-pie after tiny-static src/tiny \
   'cd src/tiny && CGO_ENABLED=0 go build -buildvcs=false -ldflags="-s -w" -o ../../bin/tiny-static .' \
   'fix: drop -buildmode=pie -> static ET_EXEC'
rb go-static-pie-external before tiny-pie-internal src/tiny \
   'cd src/tiny && CGO_ENABLED=0 go build -buildvcs=false -buildmode=pie -ldflags="-s -w" -o ../../bin/tiny-pie-internal .' \
   'same binary as the go-drop-pie "before"'
rb go-static-pie-external after tiny-static-pie src/tiny \
   "cd src/tiny && CGO_ENABLED=1 go build -buildvcs=false -buildmode=pie -ldflags='-s -w -linkmode=external -extldflags=-static-pie' -o ../../bin/tiny-static-pie ." \
   'fix: keep PIE, link externally with -static-pie (needs cgo enabled and gcc with glibc static-pie support)'
attempt go-static-pie-external tiny-static-pie-cgo0 \
   "cd src/tiny && CGO_ENABLED=0 go build -buildvcs=false -buildmode=pie -ldflags='-s -w -linkmode=external -extldflags=-static-pie' -o /dev/null ." \
   'the same fix with CGO_ENABLED=0 is refused by the Go linker'
# ---- C: libm GLIBC_2.29 ---------------------------------------------------------------------------
rb glibc-floor-zig before cmath-gcc-default src/cmath.c \
   'gcc -Os -s -o bin/cmath-gcc-default src/cmath.c -lm' \
   'gcc on glibc 2.36: pow/exp bind to the GLIBC_2.29 versions'
rb glibc-floor-zig after cmath-zig-glibc217 src/cmath.c \
   "$ZIG cc -target x86_64-linux-gnu.2.17 -Os -s -o bin/cmath-zig-glibc217 src/cmath.c -lm" \
   'fix: link against a glibc 2.17 floor with zig cc: still dynamic, but no version above GLIBC_2.17'
rb c-musl-static before cmath-gcc-default src/cmath.c \
   'gcc -Os -s -o bin/cmath-gcc-default src/cmath.c -lm' \
   'same binary as the glibc-floor-zig "before"'
rb c-musl-static after cmath-musl-static src/cmath.c \
   'musl-gcc -Os -s -static -o bin/cmath-musl-static src/cmath.c -lm' \
   'fix: static musl: no interpreter, no needed libraries'
# ---- C++: GLIBCXX ---------------------------------------------------------------------------------
rb cxx-static-libstdcxx before cxx-gxx-default src/cxx.cpp \
   'g++ -Os -s -o bin/cxx-gxx-default src/cxx.cpp' \
   'g++ default: NEEDED libstdc++.so.6 and libgcc_s.so.1, GLIBCXX_/CXXABI_/GCC_ version needs'
rb cxx-static-libstdcxx after cxx-static-libstdcxx src/cxx.cpp \
   'g++ -Os -s -static-libstdc++ -static-libgcc -o bin/cxx-static-libstdcxx src/cxx.cpp' \
   'fix: libstdc++/libgcc linked in: no GLIBCXX/CXXABI/GCC needs; still dynamic on glibc (see truth for what it needs now)'
rb cxx-musl-static before cxx-gxx-default src/cxx.cpp \
   'g++ -Os -s -o bin/cxx-gxx-default src/cxx.cpp' \
   'same binary as the cxx-static-libstdcxx "before"'
rb cxx-musl-static after cxx-zig-musl-static src/cxx.cpp \
   "$ZIG c++ -target x86_64-linux-musl -static -Os -s -o bin/cxx-zig-musl-static src/cxx.cpp" \
   'fix: fully static C++ against musl with zig c++ (bundled libc++)'
# ---- Rust -----------------------------------------------------------------------------------------
if command -v rustc >/dev/null; then
    rb rust-musl-static before rust-gnu-default src/hello.rs \
       'rustc -C opt-level=s -C strip=symbols -o bin/rust-gnu-default src/hello.rs' \
       'rustc default target x86_64-unknown-linux-gnu: dynamic glibc PIE'
    if rustc --print target-libdir --target x86_64-unknown-linux-musl >/dev/null 2>&1 \
        && [ -d "$(rustc --print target-libdir --target x86_64-unknown-linux-musl)" ]; then
        rb rust-musl-static after rust-musl-static src/hello.rs \
           'rustc --target x86_64-unknown-linux-musl -C target-feature=+crt-static -C opt-level=s -C strip=symbols -o bin/rust-musl-static src/hello.rs' \
           'fix: musl target with crt-static'
    else
        attempt rust-musl-static rust-musl-static \
           'rustc --target x86_64-unknown-linux-musl -C target-feature=+crt-static -C opt-level=s -C strip=symbols -o /dev/null src/hello.rs' \
           'the musl target is not installed here and rustup cannot fetch it offline: no "after" fixture'
    fi
    rb rust-crt-static-gnu before rust-gnu-default src/hello.rs \
       'rustc -C opt-level=s -C strip=symbols -o bin/rust-gnu-default src/hello.rs' \
       'same binary as the rust-musl-static "before"'
    rb rust-crt-static-gnu after rust-gnu-crt-static src/hello.rs \
       'rustc -C target-feature=+crt-static -C opt-level=s -C strip=symbols -o bin/rust-gnu-crt-static src/hello.rs' \
       'alternative fix on the default glibc target: crt-static gives a static-pie linked against static glibc'
fi

"$PY" make_manifest.py
