#!/bin/sh
# Builds the debuginfo fixtures with gcc and binutils' objcopy: programs and a library split the way release
# pipelines ship symbols (`objcopy --only-keep-debug` for the .debug file, `--strip-debug --add-gnu-debuglink` for
# the shipped binary). A .debug file keeps the ELF and program headers but none of the code (its sections are
# NOBITS): it cannot be run or loaded, and must not be judged as the program it came from. Then make_manifest.py
# records readelf's program headers, `file -b`, and what the kernel and glibc's dlopen do with each file.
set -eu
cd "$(dirname "$0")"
CFLAGS="-g -O2"
split() {  # split BUILT NAME: bin/NAME (stripped, with a .gnu_debuglink) and bin/NAME.debug
    objcopy --only-keep-debug "$1" "bin/$2.debug"
    objcopy --strip-debug --add-gnu-debuglink="bin/$2.debug" "$1" "bin/$2"
    rm -f "$1"
}
mkdir -p bin
gcc $CFLAGS -o hello-dynamic src/hello.c && split hello-dynamic hello-dynamic
gcc $CFLAGS -static -o hello-static src/hello.c  # only its .debug is kept: the static program is 740 KB
objcopy --only-keep-debug hello-static bin/hello-static.debug && rm -f hello-static
gcc $CFLAGS -shared -fPIC -Wl,-soname,libfoo.so.1 -o libfoo.so.1 src/foo.c && split libfoo.so.1 libfoo.so.1
chmod +x bin/hello-dynamic.debug bin/hello-static.debug  # as an unpacked release may leave them
python3 make_manifest.py
