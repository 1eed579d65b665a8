#!/bin/sh
# Builds the packages-core fixtures from src/ with real toolchains: gcc (ELF), zig cc (PE for x86_64-windows-gnu,
# Mach-O for aarch64-macos; `pip install ziglang`, run as `python3 -m ziglang`). Lays them out as packages in
# tree/ (directories) and assembles archives in dist/: a wheel (zip), a Windows wheel (zip), an npm tarball
# (npm pack's layout: package/...), a release tarball of the tree, and the .app in a tarball. Then
# make_manifest.py records what readelf, llvm-readobj, llvm-objdump and the loader itself say about them.
set -eu
cd "$(dirname "$0")"
ZIG="python3 -m ziglang cc"
rm -rf tree dist work
mkdir -p work dist
T=tree

# ELF release tree: bin/prog -> foo.libs/libbar.so (RUNPATH $ORIGIN/../foo.libs) -> libbaz.so (RUNPATH $ORIGIN)
mkdir -p $T/release/bin $T/release/foo.libs
gcc -O2 -shared -fPIC -Wl,-soname,libbaz.so -o $T/release/foo.libs/libbaz.so src/baz.c
gcc -O2 -shared -fPIC -Wl,-soname,libbar.so -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN' \
    -o $T/release/foo.libs/libbar.so src/bar.c -L$T/release/foo.libs -lbaz
gcc -O2 -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN/../foo.libs' -o $T/release/bin/prog src/prog.c \
    -L$T/release/foo.libs -lbar
gcc -O2 -shared -fPIC -Wl,-soname,libgone.so -o work/libgone.so src/gone.c
gcc -O2 -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN/../nowhere' -o $T/release/bin/needgone src/needgone.c \
    -Lwork -lgone

# ELF wheel: foo/_ext.so (RUNPATH $ORIGIN/../foo.libs), foo.libs/ as auditwheel lays it out
W=$T/foo-wheel
mkdir -p $W/foo $W/foo.libs $W/foo-1.0.dist-info
cp $T/release/foo.libs/libbar.so $T/release/foo.libs/libbaz.so $W/foo.libs/
gcc -O2 -shared -fPIC -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN/../foo.libs' -o $W/foo/_ext.so src/ext.c \
    -L$W/foo.libs -lbar
printf '' > $W/foo/__init__.py
printf 'Metadata-Version: 2.1\nName: foo\nVersion: 1.0\n' > $W/foo-1.0.dist-info/METADATA
printf 'Wheel-Version: 1.0\nGenerator: build.sh\nRoot-Is-Purelib: false\nTag: cp311-cp311-linux_x86_64\n' \
    > $W/foo-1.0.dist-info/WHEEL
(cd $W && find . -type f ! -name RECORD | sed 's|^\./||' | sort | sed 's|$|,,|' > foo-1.0.dist-info/RECORD \
    && echo 'foo-1.0.dist-info/RECORD,,' >> foo-1.0.dist-info/RECORD)

# npm package (unpacked, as node_modules holds it): prebuilds/linux-x64/addon.node beside its libraries
N=$T/node_modules/@demo/addon-linux-x64
mkdir -p $N/prebuilds/linux-x64
cp $T/release/foo.libs/libbar.so $T/release/foo.libs/libbaz.so $N/prebuilds/linux-x64/
gcc -O2 -shared -fPIC -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN' -o $N/prebuilds/linux-x64/addon.node src/ext.c \
    -L$N/prebuilds/linux-x64 -lbar
printf '{"name": "@demo/addon-linux-x64", "version": "2.0.0", "os": ["linux"], "cpu": ["x64"], "libc": ["glibc"]}\n' \
    > $N/package.json

# Windows: app.exe + helper.dll beside it (application directory)
mkdir -p $T/winapp
$ZIG -target x86_64-windows-gnu -shared -o $T/winapp/helper.dll src/helper.c -Wl,--out-implib,work/helper.lib
$ZIG -target x86_64-windows-gnu -o $T/winapp/app.exe src/app.c -Lwork -lhelper
# Windows wheel: winfoo/_ext.pyd imports helper-5d1b7a.dll, which winfoo.libs/ holds and winfoo/__init__.py adds
V=$T/winfoo-wheel
mkdir -p $V/winfoo $V/winfoo.libs $V/winfoo-1.0.dist-info
$ZIG -target x86_64-windows-gnu -shared -o $V/winfoo.libs/helper-5d1b7a.dll src/helper.c \
    -Wl,--out-implib,work/helper-5d1b7a.lib
$ZIG -target x86_64-windows-gnu -shared -o $V/winfoo/_ext.pyd src/pyd.c -Lwork -lhelper-5d1b7a
cp src/delvewheel_init.py $V/winfoo/__init__.py
printf 'Metadata-Version: 2.1\nName: winfoo\nVersion: 1.0\n' > $V/winfoo-1.0.dist-info/METADATA
printf 'Wheel-Version: 1.0\nGenerator: build.sh\nRoot-Is-Purelib: false\nTag: cp311-cp311-win_amd64\n' \
    > $V/winfoo-1.0.dist-info/WHEEL
(cd $V && find . -type f ! -name RECORD | sed 's|^\./||' | sort | sed 's|$|,,|' > winfoo-1.0.dist-info/RECORD \
    && echo 'winfoo-1.0.dist-info/RECORD,,' >> winfoo-1.0.dist-info/RECORD)
rm -f $T/winapp/*.pdb $V/winfoo/*.pdb $V/winfoo.libs/*.pdb $T/winapp/*.lib $V/winfoo/*.lib $V/winfoo.libs/*.lib

# macOS app: Contents/MacOS/demo needs @rpath/libx.dylib (LC_RPATH @loader_path/../Frameworks) and
# @executable_path/../Frameworks/liby.dylib, which needs @loader_path/libz.dylib; lost needs @rpath/libgone.dylib
A=$T/Demo.app/Contents
mkdir -p $A/MacOS $A/Frameworks
M="$ZIG -target aarch64-macos"
$M -shared -o $A/Frameworks/libx.dylib src/x.c -Wl,-install_name,@rpath/libx.dylib
$M -shared -o $A/Frameworks/libz.dylib src/z.c -Wl,-install_name,@loader_path/libz.dylib
$M -shared -o $A/Frameworks/liby.dylib src/y.c -Wl,-install_name,@executable_path/../Frameworks/liby.dylib \
    -L$A/Frameworks -lz
$M -o $A/MacOS/demo src/demo.c -L$A/Frameworks -lx -ly -Wl,-rpath,@loader_path/../Frameworks
$M -shared -o work/libgone.dylib src/gone.c -Wl,-install_name,@rpath/libgone.dylib
$M -o $A/MacOS/lost src/lost.c -Lwork -lgone -Wl,-rpath,@loader_path/../lib
cp src/Info.plist $A/Info.plist

# Archives, with fixed times and owners so that a rebuild gives the same bytes
find tree -exec touch -h -d '2026-01-01T00:00:00Z' {} +
TAR="tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=2026-01-01T00:00:00Z"
(cd $W && rm -f ../../dist/foo-1.0-cp311-cp311-linux_x86_64.whl && zip -qX -r \
    ../../dist/foo-1.0-cp311-cp311-linux_x86_64.whl foo foo.libs foo-1.0.dist-info)
(cd $V && rm -f ../../dist/winfoo-1.0-cp311-cp311-win_amd64.whl && zip -qX -r \
    ../../dist/winfoo-1.0-cp311-cp311-win_amd64.whl winfoo winfoo.libs winfoo-1.0.dist-info)
mkdir -p work/npm && cp -r $N work/npm/package
$TAR -C work/npm -czf dist/demo-addon-linux-x64-2.0.0.tgz package
$TAR -C $T -czf dist/release.tar.gz release
$TAR -C $T -cf dist/Demo.app.tar Demo.app
rm -rf work
python3 make_manifest.py
