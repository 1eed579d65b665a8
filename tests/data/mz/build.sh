#!/usr/bin/env bash
# MZ files that are not Windows programs (issue 15 item 2): an MS-DOS .EXE (twice: e_lfanew 0, and a value that
# points past the first 4 KiB at zero padding), a Win16 NE and a VxD LE program behind DOS stubs (nasm, headers
# written out in src/*.asm), and a text file that starts with "MZ". Then manifest.json (make_manifest.py):
# sha256, `file -b` (the truth: none of them is "PE32"), and what linkguard must do (skip, never LG901).
# Needs: nasm (Debian nasm 2.16), file (5.44). Output is byte-identical with the same nasm.
set -euo pipefail
cd "$(dirname "$0")"
rm -rf bin && mkdir bin
nasm -f bin -o bin/dos-hello.exe src/dos-hello.asm
nasm -f bin -DLFANEW=0x1800 -DPAD=8192 -o bin/dos-hello-far-lfanew.exe src/dos-hello.asm
nasm -f bin -o bin/win16-ne.exe src/ne-stub.asm
nasm -f bin -o bin/vxd-le.exe src/le-stub.asm
cp src/mz-text.txt bin/mz-text.txt
"${PYTHON:-python3}" make_manifest.py
