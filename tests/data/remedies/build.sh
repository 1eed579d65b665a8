#!/usr/bin/env bash
# Build the "remedy proof" fixtures: for each fix linkguard suggests, the program built the broken
# way ("before") and exactly the way the fix prescribes ("after"), so readelf/file can show that the
# fix delivers what it promises.  Needs: go, gcc, g++, musl-gcc (Debian musl-tools),
# `python -m ziglang cc/c++` (PyPI package ziglang), rustc and cargo (optional), cargo-zigbuild (PyPI
# package cargo-zigbuild, optional).  Go builds are offline (GOPROXY=off): the one third-party module,
# confluent-kafka-go, is a local stand-in wired in with a replace directive.
# Writes bin/, build-log.jsonl, then manifest.json (make_manifest.py).  obj/ holds intermediates.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE"
PY=${PYTHON:-python3}
ZIG="$PY -m ziglang"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK" "$HERE/obj"' EXIT
# Fixes are written with `zig cc`; a `zig` on PATH runs the PyPI package's zig so they can be run verbatim.
mkdir -p "$WORK/zbin"
printf '#!/bin/sh\nexec %s -m ziglang "$@"\n' "$PY" > "$WORK/zbin/zig"
chmod +x "$WORK/zbin/zig"
export PATH="$WORK/zbin:$PATH"
rm -rf bin obj && mkdir -p bin obj
: > build-log.jsonl

logrec() { # logrec KEY=VALUE...
    "$PY" -c 'import json,sys; print(json.dumps(dict(a.split("=",1) for a in sys.argv[1:]), sort_keys=True))' "$@" >> build-log.jsonl
}

# rb REMEDY ROLE NAME SOURCE "BUILD CMD (run in this dir)" "NOTES" [PROMISE]
# Builds bin/NAME unless it already exists (a "before" shared by two remedies is built once).
# PROMISE (after fixtures): what the fix promises, as checks on readelf/strings facts, comma-separated:
#   static | static-pie | glibc<=2.17 | no-cxx-runtime | no-nss | needs-only-libc
rb() {
    local remedy=$1 role=$2 name=$3 src=$4 cmd=$5 notes=$6 promise=${7:-} err=""
    echo "== $remedy $role $name"
    if [ ! -e "bin/$name" ]; then
        err=$(bash -c "$cmd" 2>&1 >/dev/null) || { printf '%s\n' "$err" >&2; exit 1; }
        # Temporary names, this checkout's path and timings vary from run to run: normalise them.
        err=$(printf '%s\n' "$err" | sed -E -e 's#/tmp/go-(link|build)[^/ :]*#/tmp/go-\1-XXX#g' \
            -e 's#/tmp/cc[A-Za-z0-9]+\.o#/tmp/ccXXX.o#g' -e "s#$HERE#<set>#g" -e 's#in [0-9.]+s$#in Ns#')
    fi
    logrec remedy="$remedy" role="$role" name="$name" file="bin/$name" source="$src" build="$cmd" \
        notes="$notes" build_stderr="$err" promise="$promise"
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
            message="$(printf '%s\n' "$err" | sed -E -e 's#/tmp/go-(link|build)[^/ :]*#/tmp/go-\1-XXX#g' \
                -e 's#--build-id=0x[0-9a-f]+#--build-id=0xXXX#g' -e "s#$WORK#\$WORK#g")"
    fi
}

NU=src/netuser
# ---- Go: cgo resolver/user lookup -> CGO_ENABLED=0 or -tags netgo,osusergo ----------------------
rb go-cgo-disabled before netuser-cgo-dynamic $NU \
   'cd src/netuser && CGO_ENABLED=1 go build -buildvcs=false -ldflags="-s -w" -o ../../bin/netuser-cgo-dynamic .' \
   'net + os/user with cgo enabled (the default on a host with a C compiler): dynamic, NEEDED libc.so.6'
rb go-cgo-disabled after netuser-cgo-disabled $NU \
   'cd src/netuser && CGO_ENABLED=0 go build -buildvcs=false -ldflags="-s -w" -o ../../bin/netuser-cgo-disabled .' \
   'fix: CGO_ENABLED=0 -> pure-Go resolver and user lookup, static ET_EXEC' \
   'static'
rb go-netgo-osusergo before netuser-cgo-dynamic $NU \
   'cd src/netuser && CGO_ENABLED=1 go build -buildvcs=false -ldflags="-s -w" -o ../../bin/netuser-cgo-dynamic .' \
   'same binary as the go-cgo-disabled "before"'
rb go-netgo-osusergo after netuser-netgo-osusergo $NU \
   'cd src/netuser && CGO_ENABLED=1 go build -buildvcs=false -tags netgo,osusergo -ldflags="-s -w" -o ../../bin/netuser-netgo-osusergo .' \
   'fix: keep cgo enabled, -tags netgo,osusergo; with no import "C" left, Go links internally and statically' \
   'static'
# ---- Go: -buildmode=pie ---------------------------------------------------------------------------
rb go-drop-pie before tiny-pie-internal src/tiny \
   'cd src/tiny && CGO_ENABLED=0 go build -buildvcs=false -buildmode=pie -ldflags="-s -w" -o ../../bin/tiny-pie-internal .' \
   'Go -buildmode=pie with internal linking: ET_DYN with PT_INTERP and PT_DYNAMIC but no DT_NEEDED (interpreter-only PIE)'
rb go-drop-pie after tiny-static src/tiny \
   'cd src/tiny && CGO_ENABLED=0 go build -buildvcs=false -ldflags="-s -w" -o ../../bin/tiny-static .' \
   'fix: drop -buildmode=pie -> static ET_EXEC' \
   'static'
rb go-static-pie-external before tiny-pie-internal src/tiny \
   'cd src/tiny && CGO_ENABLED=0 go build -buildvcs=false -buildmode=pie -ldflags="-s -w" -o ../../bin/tiny-pie-internal .' \
   'same binary as the go-drop-pie "before"'
rb go-static-pie-external after tiny-static-pie src/tiny \
   "cd src/tiny && CGO_ENABLED=1 go build -buildvcs=false -buildmode=pie -ldflags='-s -w -linkmode=external -extldflags=-static-pie' -o ../../bin/tiny-static-pie ." \
   'fix: keep PIE, link externally with -static-pie (needs cgo enabled and gcc with glibc static-pie support)' \
   'static-pie'
attempt go-static-pie-external tiny-static-pie-cgo0 \
   "cd src/tiny && CGO_ENABLED=0 go build -buildvcs=false -buildmode=pie -ldflags='-s -w -linkmode=external -extldflags=-static-pie' -o /dev/null ." \
   'the same fix with CGO_ENABLED=0 is refused by the Go linker'
# ---- C: libm GLIBC_2.29 ---------------------------------------------------------------------------
rb glibc-floor-zig before cmath-gcc-default src/cmath.c \
   'gcc -Os -s -o bin/cmath-gcc-default src/cmath.c -lm' \
   'gcc on glibc 2.36: pow/exp bind to the GLIBC_2.29 versions'
rb glibc-floor-zig after cmath-zig-glibc217 src/cmath.c \
   "$ZIG cc -target x86_64-linux-gnu.2.17 -Os -s -o bin/cmath-zig-glibc217 src/cmath.c -lm" \
   'fix: link against a glibc 2.17 floor with zig cc: still dynamic, but no version above GLIBC_2.17' \
   'glibc<=2.17'
rb c-musl-static before cmath-gcc-default src/cmath.c \
   'gcc -Os -s -o bin/cmath-gcc-default src/cmath.c -lm' \
   'same binary as the glibc-floor-zig "before"'
rb c-musl-static after cmath-musl-static src/cmath.c \
   'musl-gcc -Os -s -static -o bin/cmath-musl-static src/cmath.c -lm' \
   'fix: static musl: no interpreter, no needed libraries' \
   'static'
# ---- C++: GLIBCXX ---------------------------------------------------------------------------------
rb cxx-static-libstdcxx before cxx-gxx-default src/cxx.cpp \
   'g++ -Os -s -o bin/cxx-gxx-default src/cxx.cpp' \
   'g++ default: NEEDED libstdc++.so.6 and libgcc_s.so.1, GLIBCXX_/CXXABI_/GCC_ version needs'
rb cxx-static-libstdcxx after cxx-static-libstdcxx src/cxx.cpp \
   'g++ -Os -s -static-libstdc++ -static-libgcc -o bin/cxx-static-libstdcxx src/cxx.cpp' \
   'fix: libstdc++/libgcc linked in: no GLIBCXX/CXXABI/GCC needs; still dynamic on glibc (see truth for what it needs now)' \
   'no-cxx-runtime'
rb cxx-musl-static before cxx-gxx-default src/cxx.cpp \
   'g++ -Os -s -o bin/cxx-gxx-default src/cxx.cpp' \
   'same binary as the cxx-static-libstdcxx "before"'
rb cxx-musl-static after cxx-zig-musl-static src/cxx.cpp \
   "$ZIG c++ -target x86_64-linux-musl -static -Os -s -o bin/cxx-zig-musl-static src/cxx.cpp" \
   'fix: fully static C++ against musl with zig c++ (bundled libc++)' \
   'static'
# ---- Rust -----------------------------------------------------------------------------------------
if command -v rustc >/dev/null; then
    rb rust-musl-static before rust-gnu-default src/hello.rs \
       'rustc -C opt-level=s -C strip=symbols -o bin/rust-gnu-default src/hello.rs' \
       'rustc default target x86_64-unknown-linux-gnu: dynamic glibc PIE'
    if rustc --print target-libdir --target x86_64-unknown-linux-musl >/dev/null 2>&1 \
        && [ -d "$(rustc --print target-libdir --target x86_64-unknown-linux-musl)" ]; then
        rb rust-musl-static after rust-musl-static src/hello.rs \
           'rustc --target x86_64-unknown-linux-musl -C target-feature=+crt-static -C opt-level=s -C strip=symbols -o bin/rust-musl-static src/hello.rs' \
           'fix: musl target with crt-static' \
   'static'
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
       'alternative fix on the default glibc target: crt-static gives a static-pie linked against static glibc' \
   'static'
fi

# ---- Go: a dependency that needs cgo (the seed case: confluent-kafka-go) -------------------------
# src/kafkaapp requires github.com/confluentinc/confluent-kafka-go/v2 and replaces it with a local stand-in
# (src/kafkaapp/fake-kafka: cgo, pow from libm; glibc-only code unless -tags musl, like the real module).
KA='cd src/kafkaapp && export GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local &&'
rb go-cgo-dep-musl before kafka-glibc-dynamic src/kafkaapp \
   "$KA CGO_ENABLED=1 go build -trimpath -buildvcs=false -ldflags='-s -w' -o ../../bin/kafka-glibc-dynamic ." \
   'cgo dependency, default build on glibc: dynamic, NEEDED libm.so.6 (pow@GLIBC_2.29) and libc.so.6'
rb go-cgo-dep-musl after kafka-musl-static src/kafkaapp \
   "$KA CC=musl-gcc CGO_ENABLED=1 go build -trimpath -buildvcs=false -tags musl -ldflags '-s -w -linkmode external -extldflags \"-static\"' -o ../../bin/kafka-musl-static ." \
   'fix: static musl with the module tag musl, external linking with -extldflags "-static"' \
   'static,no-nss'
attempt go-cgo-dep-musl kafka-musl-static-no-tag \
   "$KA CC=musl-gcc CGO_ENABLED=1 go build -trimpath -buildvcs=false -ldflags '-s -w -linkmode external -extldflags \"-static\"' -o /dev/null ." \
   'without -tags musl the module builds its glibc-only C code, which musl cannot link: the tag is part of the fix'
rb go-glibc-floor-zig-dep before kafka-glibc-dynamic src/kafkaapp \
   "$KA CGO_ENABLED=1 go build -trimpath -buildvcs=false -ldflags='-s -w' -o ../../bin/kafka-glibc-dynamic ." \
   'same binary as the go-cgo-dep-musl "before"; judged with dynamic linking allowed and a 2.17 floor'
rb go-glibc-floor-zig-dep after kafka-zig-glibc217 src/kafkaapp \
   "$KA CC=\"zig cc -target x86_64-linux-gnu.2.17\" CGO_ENABLED=1 go build -trimpath -buildvcs=false -ldflags='-s -w' -o ../../bin/kafka-zig-glibc217 ." \
   'fix: cgo parts linked by zig cc against a glibc 2.17 floor: still dynamic, pow binds to GLIBC_2.2.5' \
   'glibc<=2.17'
rb go-glibc-floor-zig before netuser-cgo-dynamic $NU \
   'cd src/netuser && CGO_ENABLED=1 go build -buildvcs=false -ldflags="-s -w" -o ../../bin/netuser-cgo-dynamic .' \
   'same binary as the go-cgo-disabled "before"; judged with dynamic linking allowed and a 2.17 floor'
rb go-glibc-floor-zig after netuser-zig-glibc217 $NU \
   'cd src/netuser && CC="zig cc -target x86_64-linux-gnu.2.17" CGO_ENABLED=1 go build -buildvcs=false -ldflags="-s -w" -o ../../bin/netuser-zig-glibc217 .' \
   'fix: the cgo resolver and user lookups linked by zig cc against a glibc 2.17 floor' \
   'glibc<=2.17'
# ---- Go: static glibc reaching NSS ----------------------------------------------------------------
rb go-nss-netgo before netuser-glibc-static $NU \
   "cd src/netuser && CGO_ENABLED=1 go build -buildvcs=false -ldflags '-s -w -linkmode external -extldflags \"-static\"' -o ../../bin/netuser-glibc-static ." \
   'static glibc through cgo: the linker warns that getaddrinfo/getpwuid_r/... need the shared NSS libraries at run time'
rb go-nss-netgo after netuser-glibc-static-netgo $NU \
   "cd src/netuser && CGO_ENABLED=1 go build -buildvcs=false -tags netgo,osusergo -ldflags '-s -w -linkmode external -extldflags \"-static\"' -o ../../bin/netuser-glibc-static-netgo ." \
   'fix: -tags netgo,osusergo: still static glibc, but the pure-Go resolver and user lookups leave NSS out' \
   'static,no-nss'
rb go-nss-cgo-disabled before netuser-glibc-static $NU \
   "cd src/netuser && CGO_ENABLED=1 go build -buildvcs=false -ldflags '-s -w -linkmode external -extldflags \"-static\"' -o ../../bin/netuser-glibc-static ." \
   'same binary as the go-nss-netgo "before"'
rb go-nss-cgo-disabled after netuser-cgo-disabled $NU \
   'cd src/netuser && CGO_ENABLED=0 go build -buildvcs=false -ldflags="-s -w" -o ../../bin/netuser-cgo-disabled .' \
   'fix: CGO_ENABLED=0 (nothing here needs cgo): no C library at all' \
   'static,no-nss'
rb go-nss-dep-musl before kafka-glibc-static src/kafkaapp \
   "$KA CGO_ENABLED=1 go build -trimpath -buildvcs=false -ldflags '-s -w -linkmode external -extldflags \"-static\"' -o ../../bin/kafka-glibc-static ." \
   'cgo dependency linked statically against glibc: getaddrinfo (the broker lookup) needs NSS at run time'
rb go-nss-dep-musl after kafka-musl-static src/kafkaapp \
   "$KA CC=musl-gcc CGO_ENABLED=1 go build -trimpath -buildvcs=false -tags musl -ldflags '-s -w -linkmode external -extldflags \"-static\"' -o ../../bin/kafka-musl-static ." \
   'same binary as the go-cgo-dep-musl "after": musl resolves the broker name itself (no libnss_ strings; run truth addrs=1)' \
   'static,no-nss'
attempt go-dynamic go-linkshared-cgo0 \
   'cd src/tiny && CGO_ENABLED=0 go build -buildvcs=false -linkshared -ldflags="-s -w" -o /dev/null .' \
   'Go 1.18+ records CGO_ENABLED and cannot link dynamically without cgo, so the go-dynamic row (Go build info without CGO_ENABLED=1) is reached only by older Go build info: no fixture can be built here'
# ---- C: musl, glibc floor, NSS, extra libraries, unknown libc --------------------------------------
rb musl-add-static before cmath-musl-dynamic src/cmath.c \
   'musl-gcc -Os -s -o bin/cmath-musl-dynamic src/cmath.c -lm' \
   'musl-gcc without -static: dynamic, interpreter /lib/ld-musl-x86_64.so.1, NEEDED libc.so'
rb musl-add-static after cmath-musl-static src/cmath.c \
   'musl-gcc -Os -s -static -o bin/cmath-musl-static src/cmath.c -lm' \
   'fix: add -static: same binary as the c-musl-static "after"' \
   'static'
rb glibc-floor-zig-c before hello-gcc-default src/hello.c \
   'gcc -Os -s -o bin/hello-gcc-default src/hello.c' \
   'gcc on glibc 2.36, no libm: needs __libc_start_main@GLIBC_2.34'
rb glibc-floor-zig-c after hello-zig-glibc217 src/hello.c \
   'zig cc -target x86_64-linux-gnu.2.17 -Os -s -o bin/hello-zig-glibc217 src/hello.c' \
   'fix: zig cc against a glibc 2.17 floor' \
   'glibc<=2.17'
rb glibc-floor-zig-cxx before cxx-static-libstdcxx src/cxx.cpp \
   'g++ -Os -s -static-libstdc++ -static-libgcc -o bin/cxx-static-libstdcxx src/cxx.cpp' \
   'same binary as the cxx-static-libstdcxx "after": no C++ runtime needs left, but the static libstdc++ needs up to GLIBC_2.36'
rb glibc-floor-zig-cxx after cxx-zig-glibc217 src/cxx.cpp \
   'zig c++ -target x86_64-linux-gnu.2.17 -Os -s -o bin/cxx-zig-glibc217 src/cxx.cpp' \
   'fix: zig c++ against a glibc 2.17 floor (its libc++ is linked in)' \
   'glibc<=2.17,no-cxx-runtime'
rb static-nss-musl before lookup-gcc-static src/lookup.c \
   'gcc -Os -s -static -o bin/lookup-gcc-static src/lookup.c' \
   'static glibc calling getaddrinfo and getpwuid: the linker warns both need the shared NSS libraries at run time'
rb static-nss-musl after lookup-musl-static src/lookup.c \
   'musl-gcc -Os -s -static -o bin/lookup-musl-static src/lookup.c' \
   'fix: static musl, which resolves names and users without NSS' \
   'static,no-nss'
GREET='gcc -Os -fPIC -shared -Wl,-soname,libgreet.so.1 -o obj/libgreet.so.1 src/greet.c && ln -sf libgreet.so.1 obj/libgreet.so && gcc -Os -c -o obj/greet.o src/greet.c && ar rcs obj/libgreet.a obj/greet.o'
bash -c "$GREET"
logrec remedy=library-bstatic role=setup name=libgreet build="$GREET" \
    notes='a third-party library, shared and static, in obj/ (not kept): what the next two fixtures link'
rb library-bstatic before greet-shared src/usegreet.c \
   'gcc -Os -s -o bin/greet-shared src/usegreet.c -Lobj -lgreet' \
   'needs libgreet.so.1 beyond the C library'
rb library-bstatic after greet-bstatic src/usegreet.c \
   'gcc -Os -s -o bin/greet-bstatic src/usegreet.c -Lobj -Wl,-Bstatic -lgreet -Wl,-Bdynamic' \
   'fix: -Wl,-Bstatic -lgreet -Wl,-Bdynamic links libgreet.a in; only libc.so.6 stays' \
   'needs-only-libc'
rb dynamic-generic-freebsd before hello-freebsd src/hello.c \
   'zig cc -target x86_64-freebsd -Os -s -o bin/hello-freebsd src/hello.c' \
   'a FreeBSD program (loader /libexec/ld-elf.so.1, NEEDED libc.so.7): a libc linkguard does not identify'
attempt dynamic-generic-freebsd hello-freebsd-static \
   'zig cc -target x86_64-freebsd -static -Os -s -o /dev/null src/hello.c' \
   'zig ships only FreeBSD libc stubs, so no static FreeBSD fixture can be built here (FreeBSD cc -static can)'
# ---- Rust: glibc floor, NSS, musl dynamic ---------------------------------------------------------
if command -v rustc >/dev/null; then
    RC='cd src/hello-cargo && CARGO_TARGET_DIR=../../obj/cargo'
    if command -v cargo >/dev/null && command -v cargo-zigbuild >/dev/null; then
        rb rust-cargo-zigbuild before rust-cargo-default src/hello-cargo \
           "$RC cargo build --offline --release && cp ../../obj/cargo/release/hello-cargo ../../bin/rust-cargo-default" \
           'cargo on the glibc 2.36 host: dynamic, needs GLIBC_2.34'
        rb rust-cargo-zigbuild after rust-cargo-zigbuild-glibc217 src/hello-cargo \
           "$RC cargo zigbuild --offline --release --target x86_64-unknown-linux-gnu.2.17 && cp ../../obj/cargo/x86_64-unknown-linux-gnu/release/hello-cargo ../../bin/rust-cargo-zigbuild-glibc217" \
           'fix: cargo zigbuild with a glibc 2.17 floor' \
           'glibc<=2.17'
    fi
    rb rust-nss-musl before rust-lookup-crt-static src/lookup.rs \
       'rustc -C target-feature=+crt-static -C opt-level=s -C strip=symbols -o bin/rust-lookup-crt-static src/lookup.rs' \
       'Rust std resolving a host name, +crt-static on the glibc target: static-pie glibc that reaches getaddrinfo'
    attempt rust-nss-musl rust-lookup-musl \
       'rustc --target x86_64-unknown-linux-musl -C opt-level=s -C strip=symbols -o /dev/null src/lookup.rs' \
       'the musl target is not installed here and rustup cannot fetch it offline: no "after" fixture'
    rb rust-dynamic-musl before rust-nostd-musl-dynamic src/nostd_musl.rs \
       'rustc -C panic=abort -C opt-level=s -C strip=symbols -C linker=musl-gcc -o bin/rust-nostd-musl-dynamic src/nostd_musl.rs' \
       'a no_std Rust program linked by musl-gcc: Rust, dynamically linked against musl'
    attempt rust-dynamic-musl rust-nostd-musl-target \
       'rustc --target x86_64-unknown-linux-musl -C panic=abort -C opt-level=s -C strip=symbols -o /dev/null src/nostd_musl.rs' \
       'the musl target (even its core library) is not installed here and rustup cannot fetch it offline: no "after" fixture'
fi

"$PY" make_manifest.py
