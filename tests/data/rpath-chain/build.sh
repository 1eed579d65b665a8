#!/bin/sh
# Builds the rpath-chain fixtures with gcc: three packages (directories) in which pkg.libs/libchainb.so, with no
# search path of its own, needs pkg.libs/libchainc.so, and a module in pkg/ needs libchainb.so:
#   rpath/   pkg/_mod.so has DT_RPATH $ORIGIN/../pkg.libs: glibc passes it down, libchainb.so's need is found;
#   runpath/ pkg/_mod.so has DT_RUNPATH $ORIGIN/../pkg.libs: it serves _mod.so's own needs only, libchainc.so
#            is not found (glibc ignores DT_RPATH entirely in an object with DT_RUNPATH, and RUNPATH is not
#            inherited);
#   mixed/   both modules side by side (_a.so with DT_RPATH, _b.so with DT_RUNPATH): libchainb.so loads when _a.so
#            loads it and fails when _b.so does.
# Then make_manifest.py records readelf -d and what glibc's loader does (LD_DEBUG=libs) for each module.
set -eu
cd "$(dirname "$0")"
rm -rf tree
for package in rpath runpath mixed; do
    mkdir -p tree/$package/pkg tree/$package/pkg.libs
    L=tree/$package/pkg.libs
    gcc -O2 -shared -fPIC -Wl,-soname,libchainc.so -o $L/libchainc.so src/chainc.c
    gcc -O2 -shared -fPIC -Wl,-soname,libchainb.so -o $L/libchainb.so src/chainb.c -L$L -lchainc
done
gcc -O2 -shared -fPIC -Wl,--disable-new-dtags -Wl,-rpath,'$ORIGIN/../pkg.libs' -o tree/rpath/pkg/_mod.so src/mod.c \
    -Ltree/rpath/pkg.libs -lchainb
gcc -O2 -shared -fPIC -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN/../pkg.libs' -o tree/runpath/pkg/_mod.so \
    src/mod.c -Ltree/runpath/pkg.libs -lchainb
gcc -O2 -shared -fPIC -Wl,--disable-new-dtags -Wl,-rpath,'$ORIGIN/../pkg.libs' -o tree/mixed/pkg/_a.so src/mod.c \
    -Ltree/mixed/pkg.libs -lchainb
gcc -O2 -shared -fPIC -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN/../pkg.libs' -o tree/mixed/pkg/_b.so src/mod.c \
    -Ltree/mixed/pkg.libs -lchainb
# A bundled library with a DT_RUNPATH of its own that finds nothing (a build directory, as imagecodecs 2026.3.6's
# imagecodecs.libs/liblzokay-c-*.so carries): glibc ignores its loaders' DT_RPATH for it, so its need is met only
# by an object already loaded under that name (elf/dl-load.c _dl_map_object checks the loaded objects first).
#   preloaded/   pkg/_mod.so (DT_RPATH $ORIGIN/../pkg.libs) needs libchainb.so and libchainc.so itself: glibc maps
#                both before libchainb.so's needs, and libchainc.so is already loaded when libchainb.so asks;
#   runpath-own/ pkg/_mod.so needs only libchainb.so: libchainb.so's own search finds nothing, dlopen fails.
for package in preloaded runpath-own; do
    mkdir -p tree/$package/pkg tree/$package/pkg.libs
    L=tree/$package/pkg.libs
    gcc -O2 -shared -fPIC -Wl,-soname,libchainc.so -o $L/libchainc.so src/chainc.c
    gcc -O2 -shared -fPIC -Wl,-soname,libchainb.so -Wl,--enable-new-dtags -Wl,-rpath,/nonexistent/build/lib \
        -o $L/libchainb.so src/chainb.c -L$L -lchainc
done
gcc -O2 -shared -fPIC -Wl,--disable-new-dtags -Wl,-rpath,'$ORIGIN/../pkg.libs' -Wl,--no-as-needed \
    -o tree/preloaded/pkg/_mod.so src/mod.c -Ltree/preloaded/pkg.libs -lchainb -lchainc
gcc -O2 -shared -fPIC -Wl,--disable-new-dtags -Wl,-rpath,'$ORIGIN/../pkg.libs' -o tree/runpath-own/pkg/_mod.so \
    src/mod.c -Ltree/runpath-own/pkg.libs -lchainb
# Mach-O (zig cc for aarch64-macos; `pip install ziglang`): the same shape, as dyld expands @rpath. dyld cannot run
# here: the truth is llvm-objdump's load commands (make_manifest.py) and dyld's rule (docs/packages.md).
#   macho/       pkg/_mod.so has LC_RPATH @loader_path/../pkg.dylibs and needs @rpath/libchainb.dylib, which has no
#                LC_RPATH and needs @rpath/libchainc.dylib: found through _mod.so's LC_RPATH (the rpath stack);
#   macho-mixed/ also pkg/_b.so, with no LC_RPATH, needing @loader_path/../pkg.dylibs/libchainb.dylib: loaded by it,
#                libchainb.dylib's @rpath need has no LC_RPATH to expand through.
Z="python3 -m ziglang cc -target aarch64-macos"
for package in macho macho-mixed; do
    D=tree/$package/pkg.dylibs
    mkdir -p tree/$package/pkg $D
    $Z -shared -o $D/libchainc.dylib src/chainc.c -Wl,-install_name,@rpath/libchainc.dylib
    $Z -shared -o $D/libchainb.dylib src/chainb.c -Wl,-install_name,@rpath/libchainb.dylib -L$D -lchainc
done
$Z -shared -o tree/macho/pkg/_mod.so src/mod.c -Wl,-install_name,@rpath/_mod.so -Ltree/macho/pkg.dylibs -lchainb \
    -Wl,-rpath,@loader_path/../pkg.dylibs
$Z -shared -o tree/macho-mixed/pkg/_a.so src/mod.c -Wl,-install_name,@rpath/_a.so -Ltree/macho-mixed/pkg.dylibs \
    -lchainb -Wl,-rpath,@loader_path/../pkg.dylibs
$Z -shared -o tree/macho-mixed/pkg.dylibs/libchainb-direct.dylib src/chainb.c \
    -Wl,-install_name,@loader_path/../pkg.dylibs/libchainb.dylib -Ltree/macho-mixed/pkg.dylibs -lchainc
$Z -shared -o tree/macho-mixed/pkg/_b.so src/mod.c -Wl,-install_name,@rpath/_b.so \
    tree/macho-mixed/pkg.dylibs/libchainb-direct.dylib
rm tree/macho-mixed/pkg.dylibs/libchainb-direct.dylib
python3 make_manifest.py
