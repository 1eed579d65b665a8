#!/bin/sh
# Big-endian dynamically linked programs with symbol-version needs, for readers/elf.py's version users on a
# byte order other than the host's (64-bit s390x, 32-bit MIPS). Built with zig (pip package ziglang) against
# its glibc stubs; the manifest's truth is what binutils' readelf prints, written by manifest.py, never by
# linkguard. Usage: sh build.sh (from this directory), then python manifest.py > manifest.json.
set -eu
python -m ziglang cc -target s390x-linux-gnu.2.17 -O2 -s -o bin/hello-s390x hello.c -lm
python -m ziglang cc -target mips-linux-gnueabihf -O2 -s -o bin/hello-mips hello.c -lm
