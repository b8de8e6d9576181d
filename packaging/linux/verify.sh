#!/usr/bin/env bash
# Verify a downloaded Ireti Till release: checksums and signatures. Exits 0 only if every
# check passes; 1 on any mismatch or bad signature; 2 on a usage error.
#
#   packaging/linux/verify.sh DIR [--gpg-pubkey KEY.asc] [--minisign-pubkey KEY.pub]
#                                 [--sums-only]
#
# DIR holds SHA256SUMS and the files it lists (a file listed but missing is a failure).
# With --gpg-pubkey, only that key is trusted (gpgv with a throwaway keyring, so nothing in
# your own keyring can vouch for a file): SHA256SUMS.asc must verify, and so must every
# ARTIFACT.sig present. With --minisign-pubkey: SHA256SUMS.minisig and every
# ARTIFACT.minisig present. At least one key is required unless --sums-only is given.
set -uo pipefail
DIR=""
GPG_PUB=""
MINI_PUB=""
SUMS_ONLY=0
while [ $# -gt 0 ]; do
    case "$1" in
        --gpg-pubkey) GPG_PUB="$(realpath "$2")"; shift 2 ;;
        --minisign-pubkey) MINI_PUB="$(realpath "$2")"; shift 2 ;;
        --sums-only) SUMS_ONLY=1; shift ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        -*) echo "verify.sh: unknown option $1" >&2; exit 2 ;;
        *) DIR="$1"; shift ;;
    esac
done
[ -n "$DIR" ] || { echo "verify.sh: which directory?" >&2; exit 2; }
if [ -z "$GPG_PUB" ] && [ -z "$MINI_PUB" ] && [ "$SUMS_ONLY" = 0 ]; then
    echo "verify.sh: give --gpg-pubkey and/or --minisign-pubkey (or --sums-only)" >&2
    exit 2
fi
cd "$DIR" || exit 2
FAILED=0
fail() { echo "FAILED: $*"; FAILED=1; }
ok() { echo "ok: $*"; }

if [ ! -s SHA256SUMS ]; then
    echo "FAILED: SHA256SUMS missing or empty"
    exit 1
fi
mapfile -t FILES < <(awk '{ sub(/^\*/, "", $2); print $2 }' SHA256SUMS)
if sha256sum --check --strict --quiet SHA256SUMS; then
    ok "SHA256SUMS matches ${#FILES[@]} file(s)"
else
    fail "checksum mismatch (see above)"
fi

if [ -n "$GPG_PUB" ]; then
    TMP="$(mktemp -d)"
    trap 'rm -rf "$TMP"' EXIT
    if ! gpg --batch --quiet --dearmor --output "$TMP/trusted.gpg" "$GPG_PUB" 2>/dev/null; then
        cp "$GPG_PUB" "$TMP/trusted.gpg"  # already binary
    fi
    gpgv_check() {  # gpgv_check SIG FILE
        if gpgv --keyring "$TMP/trusted.gpg" "$1" "$2" >"$TMP/gpgv.log" 2>&1; then
            ok "gpg signature $1"
        else
            fail "gpg signature $1 does not verify $2"
            sed 's/^/    /' "$TMP/gpgv.log"
        fi
    }
    if [ -f SHA256SUMS.asc ]; then gpgv_check SHA256SUMS.asc SHA256SUMS
    else fail "SHA256SUMS.asc missing"; fi
    for f in "${FILES[@]}"; do
        [ -f "$f.sig" ] && gpgv_check "$f.sig" "$f"
    done
fi

if [ -n "$MINI_PUB" ]; then
    if ! command -v minisign >/dev/null; then
        fail "minisign is not installed"
    else
        mini_check() {  # mini_check FILE
            local comment
            if comment="$(minisign -V -p "$MINI_PUB" -m "$1" 2>&1)"; then
                # The trusted comment names the file it was made for; a renamed file is refused.
                if grep -qF "ireti-till release file: $1" <<<"$comment"; then
                    ok "minisign signature $1.minisig"
                else
                    fail "minisign signature $1.minisig was made for another file"
                fi
            else
                fail "minisign signature $1.minisig does not verify $1"
                sed 's/^/    /' <<<"$comment"
            fi
        }
        if [ -f SHA256SUMS.minisig ]; then mini_check SHA256SUMS
        else fail "SHA256SUMS.minisig missing"; fi
        for f in "${FILES[@]}"; do
            [ -f "$f.minisig" ] && mini_check "$f"
        done
    fi
fi

if [ "$FAILED" = 0 ]; then
    echo "verify: all good"
    exit 0
fi
echo "verify: REFUSED - do not install these files"
exit 1
