#!/usr/bin/env bash
# Make THROWAWAY signing keys for tests and dry runs (never for a release).
#
#   packaging/linux/gen-test-keys.sh DIR
#
# Writes DIR/gnupg (a private GNUPGHOME with a passphrase-less ed25519 key, valid 2 days),
# DIR/release-test.pub.asc, DIR/minisign.key + DIR/minisign.pub (no password; only when
# minisign is installed) and DIR/env, which exports IRETI_GPG_KEY, GNUPGHOME and
# IRETI_MINISIGN_KEY for build.sh/sign.sh:   . DIR/env
# Stop the agent afterwards:   GNUPGHOME=DIR/gnupg gpgconf --kill gpg-agent
set -euo pipefail
DIR="${1:?usage: gen-test-keys.sh DIR}"
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
export GNUPGHOME="$DIR/gnupg"
mkdir -p "$GNUPGHOME"
chmod 700 "$GNUPGHOME"
UID_="Ireti Till TEST release key (throwaway) <release-test@ireti-till.invalid>"
gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
    --quick-generate-key "$UID_" ed25519 sign 2d
FPR="$(gpg --batch --with-colons --list-secret-keys "$UID_" | awk -F: '/^fpr:/ { print $10; exit }')"
gpg --batch --armor --export "$FPR" > "$DIR/release-test.pub.asc"
{
    echo "export GNUPGHOME='$GNUPGHOME'"
    echo "export IRETI_GPG_KEY='$FPR'"
} > "$DIR/env"
if command -v minisign >/dev/null; then
    rm -f "$DIR/minisign.key" "$DIR/minisign.pub"
    minisign -G -W -p "$DIR/minisign.pub" -s "$DIR/minisign.key" >/dev/null
    echo "export IRETI_MINISIGN_KEY='$DIR/minisign.key'" >> "$DIR/env"
else
    echo "gen-test-keys.sh: minisign not installed; gpg only" >&2
fi
echo "$FPR"
