#!/usr/bin/env bash
# Obtain UPX 4.2.4 (Debian package upx-ucl from the trixie suite) on a Debian 12 (bookworm) host and
# write a wrapper that runs it.
#
# Usage:  tests/data/upx4/get-upx4.sh [DEST]          (DEST default: ${LINKGUARD_UPX4_DIR:-/tmp/linkguard-upx4})
#         export LINKGUARD_UPX4="$(tests/data/upx4/get-upx4.sh | tail -1)"
# Prints the wrapper's path as the last line of stdout.  Idempotent: a second run reuses DEST.
#
# The trixie upx-ucl binary needs trixie's glibc/libstdc++ (on bookworm it fails with
# "GLIBC_2.38 not found" / "GLIBCXX_3.4.32 not found": exactly the kind of too-new-glibc
# dependency linkguard reports), so the wrapper runs it through trixie's own dynamic loader
# with --library-path pointing at trixie's libraries.  Nothing is installed system-wide.
#
# The package mirror is read from this machine's own apt configuration (deb822 *.sources
# "URIs:" or a one-line sources.list "deb" entry); only the suite name is changed.
set -euo pipefail

DEST=${1:-${LINKGUARD_UPX4_DIR:-/tmp/linkguard-upx4}}
WRAP=$DEST/upx4
SUITE=trixie
PKGS=(upx-ucl/$SUITE libc6/$SUITE libstdc++6/$SUITE libgcc-s1/$SUITE)

die() { echo "get-upx4.sh: $*" >&2; exit 1; }

if [ -x "$WRAP" ] && "$WRAP" --version 2>/dev/null | head -1 | grep -q '^upx 4\.'; then
    echo "$WRAP"
    exit 0
fi

command -v apt-get >/dev/null || die "apt-get not found (needs a Debian-family host)"
command -v dpkg-deb >/dev/null || die "dpkg-deb not found"

# ---- the mirror URI from the machine's apt configuration (first entry that is not a security/updates archive)
uri=""
keyring=""
shopt -s nullglob
for f in /etc/apt/sources.list.d/*.sources; do
    [ -n "$uri" ] && break
    # deb822 stanzas are separated by blank lines; take the first whose Suites has no -security/-updates
    uri=$(awk -v RS= '
        /(^|\n)Types:[^\n]*deb/ && $0 !~ /Suites:[^\n]*-security/ {
            n = split($0, lines, "\n")
            for (i = 1; i <= n; i++) if (lines[i] ~ /^URIs:/) { sub(/^URIs:[ \t]*/, "", lines[i]); split(lines[i], u, " "); print u[1]; exit }
        }' "$f")
    keyring=$(awk -v RS= '$0 !~ /Suites:[^\n]*-security/ {
            n = split($0, lines, "\n")
            for (i = 1; i <= n; i++) if (lines[i] ~ /^Signed-By:/) { sub(/^Signed-By:[ \t]*/, "", lines[i]); print lines[i]; exit }
        }' "$f")
done
if [ -z "$uri" ]; then
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        uri=$(sed -n -E 's/^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([a-z+]+:\/\/[^[:space:]]+)[[:space:]]+[^[:space:]]+[[:space:]].*/\2/p' "$f" \
            | grep -v -- '-security' | head -1 || true)
        [ -n "$uri" ] && break
    done
fi
[ -n "$uri" ] || die "no apt mirror URI found in /etc/apt/sources.list{,.d/*}"
[ -n "$keyring" ] && [ -f "$keyring" ] || keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || die "archive keyring $keyring not found"

# ---- a private apt state: temporary sources list, lists and cache; the system's apt state is untouched
WORK=$DEST/apt
mkdir -p "$WORK/lists/partial" "$WORK/cache/archives/partial" "$WORK/debs" "$DEST/root"
echo "deb [signed-by=$keyring] $uri $SUITE main contrib" > "$WORK/sources.list"
APT_OPTS=(
    -o "Dir::Etc::SourceList=$WORK/sources.list"
    -o "Dir::Etc::SourceParts=/dev/null"
    -o "Dir::State::Lists=$WORK/lists"
    -o "Dir::Cache=$WORK/cache"
    -o "APT::Sandbox::User=$(id -un)"
    -o "Debug::NoLocking=1"
)
echo "get-upx4.sh: apt-get update ($SUITE only, private lists in $WORK)" >&2
apt-get -q "${APT_OPTS[@]}" update >"$WORK/update.log" 2>&1 \
    || die "apt-get update for $SUITE failed (see $WORK/update.log)"
(cd "$WORK/debs" && rm -f ./*.deb && apt-get -q "${APT_OPTS[@]}" download "${PKGS[@]}") >"$WORK/download.log" 2>&1 \
    || die "apt-get download ${PKGS[*]} failed (see $WORK/download.log)"
for deb in "$WORK"/debs/*.deb; do
    dpkg-deb -x "$deb" "$DEST/root" || die "dpkg-deb -x $deb failed"
done

LIB=$DEST/root/usr/lib/x86_64-linux-gnu
LOADER=$LIB/ld-linux-x86-64.so.2
BIN=$DEST/root/usr/bin/upx-ucl
[ -x "$BIN" ] || die "upx-ucl not found in the extracted packages"
[ -e "$LOADER" ] || die "trixie's ld-linux-x86-64.so.2 not found in the extracted libc6"
cat > "$WRAP" <<WRAPPER
#!/bin/sh
# UPX from Debian $SUITE upx-ucl, run through $SUITE's loader (written by tests/data/upx4/get-upx4.sh)
exec "$LOADER" --library-path "$LIB" "$BIN" "\$@"
WRAPPER
chmod +x "$WRAP"
ver=$("$WRAP" --version 2>&1 | head -1) || die "the wrapper does not run: $ver"
case $ver in
    "upx 4."*) ;;
    *) die "expected UPX 4.x, got: $ver" ;;
esac
echo "get-upx4.sh: $ver" >&2
echo "$WRAP"
