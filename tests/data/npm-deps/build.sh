#!/bin/sh
# Builds the npm-deps fixtures with gcc: an installed node_modules in which @lgfix/addon-linux-x64's addon needs
# libdep.so.1 from its optional dependency @lgfix/dep-libs, reached as sharp's addon reaches libvips
# (DT_RUNPATH $ORIGIN/../../dep-libs/lib); the same addon in @lgfix/addon-undeclared, whose package.json declares
# no such dependency; and the addon's package alone, packed as `npm pack` lays it out (package/...).
# Then make_manifest.py records readelf -d and what glibc's dlopen() does with each addon, installed and alone.
set -eu
cd "$(dirname "$0")"
rm -rf tree dist
T=tree/node_modules/@lgfix
mkdir -p $T/addon-linux-x64/lib $T/addon-undeclared/lib $T/dep-libs/lib dist
gcc -O2 -shared -fPIC -Wl,-soname,libdep.so.1 -o $T/dep-libs/lib/libdep.so.1 src/dep.c
gcc -O2 -shared -fPIC -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN/../../dep-libs/lib' \
    -o $T/addon-linux-x64/lib/addon.node src/addon.c $T/dep-libs/lib/libdep.so.1
cp $T/addon-linux-x64/lib/addon.node $T/addon-undeclared/lib/addon.node
cp src/addon-package.json $T/addon-linux-x64/package.json
cp src/undeclared-package.json $T/addon-undeclared/package.json
cp src/dep-package.json $T/dep-libs/package.json
# The macOS shape of it (zig cc for aarch64-macos; `pip install ziglang`), as @img/sharp-darwin-arm64's addon reaches
# libvips-cpp: @rpath/libdep.dylib through LC_RPATH @loader_path/../../dep-libs-darwin/lib. dyld cannot run here:
# the truth is llvm-objdump's load commands (make_manifest.py) and dyld's rule (docs/packages.md).
Z="python3 -m ziglang cc -target aarch64-macos"
mkdir -p $T/addon-darwin-arm64/lib $T/dep-libs-darwin/lib
$Z -shared -o $T/dep-libs-darwin/lib/libdep.dylib src/dep.c -Wl,-install_name,@rpath/libdep.dylib
$Z -shared -o $T/addon-darwin-arm64/lib/addon.node src/addon.c $T/dep-libs-darwin/lib/libdep.dylib \
    -Wl,-rpath,@loader_path/../../dep-libs-darwin/lib
cp src/addon-darwin-package.json $T/addon-darwin-arm64/package.json
cp src/dep-darwin-package.json $T/dep-libs-darwin/package.json
# npm pack's layout, with fixed owners and times so that the tarball is the same on every build
mkdir -p pack/package/lib
cp $T/addon-linux-x64/package.json pack/package/package.json
cp $T/addon-linux-x64/lib/addon.node pack/package/lib/addon.node
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@1700000000 -C pack -cf - package \
    | gzip -n -9 > dist/lgfix-addon-linux-x64-1.0.0.tgz
rm -rf pack
python3 make_manifest.py
