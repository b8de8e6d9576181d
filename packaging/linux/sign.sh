#!/usr/bin/env bash
# Write SHA256SUMS for the release artifacts in DIR and sign it and each artifact.
#
#   packaging/linux/sign.sh DIR
#
# gpg (when IRETI_GPG_KEY is set; GNUPGHOME chooses the keyring, IRETI_GPG_PASSPHRASE is
# fed through loopback pinentry if the key has one):
#   SHA256SUMS.asc (armoured, detached) and ARTIFACT.sig (binary, detached) for each artifact
# minisign (when IRETI_MINISIGN_KEY names a secret key file; IRETI_MINISIGN_PASSWORD is
# piped in if the key is encrypted): SHA256SUMS.minisig and ARTIFACT.minisig
# Artifacts: *.tar.gz *.deb *.exe *.msi *.dmg *.zip *.pkg *.cdx.json (SBOM) directly in DIR.
set -euo pipefail
DIR="${1:?usage: sign.sh DIR}"
cd "$DIR"
shopt -s nullglob
ARTIFACTS=(*.tar.gz *.deb *.exe *.msi *.dmg *.zip *.pkg *.cdx.json)
if [ ${#ARTIFACTS[@]} -eq 0 ]; then
    echo "sign.sh: no artifacts in $DIR" >&2
    exit 2
fi
if [ -z "${IRETI_GPG_KEY:-}" ] && [ -z "${IRETI_MINISIGN_KEY:-}" ]; then
    echo "sign.sh: set IRETI_GPG_KEY and/or IRETI_MINISIGN_KEY" >&2
    exit 2
fi
rm -f SHA256SUMS SHA256SUMS.asc SHA256SUMS.minisig ./*.sig ./*.minisig
sha256sum -- "${ARTIFACTS[@]}" > SHA256SUMS

gpg_sign() {  # gpg_sign OUTPUT INPUT [--armor]
    local out="$1" in="$2"; shift 2
    local args=(--batch --yes --local-user "$IRETI_GPG_KEY" --detach-sign "$@" --output "$out")
    if [ -n "${IRETI_GPG_PASSPHRASE:-}" ]; then
        printf '%s' "$IRETI_GPG_PASSPHRASE" |
            gpg "${args[@]}" --pinentry-mode loopback --passphrase-fd 0 "$in"
    else
        gpg "${args[@]}" "$in"
    fi
}

if [ -n "${IRETI_GPG_KEY:-}" ]; then
    gpg_sign SHA256SUMS.asc SHA256SUMS --armor
    for f in "${ARTIFACTS[@]}"; do gpg_sign "$f.sig" "$f"; done
    echo "sign.sh: gpg signatures by $IRETI_GPG_KEY"
fi

if [ -n "${IRETI_MINISIGN_KEY:-}" ]; then
    if ! command -v minisign >/dev/null; then
        echo "sign.sh: IRETI_MINISIGN_KEY set but minisign is not installed" >&2
        exit 2
    fi
    for f in SHA256SUMS "${ARTIFACTS[@]}"; do
        # The trusted comment is signed too: it names the file, so a renamed one is refused.
        mini=(minisign -S -s "$IRETI_MINISIGN_KEY" -m "$f" -t "ireti-till release file: $f")
        if [ -n "${IRETI_MINISIGN_PASSWORD:-}" ]; then
            printf '%s\n' "$IRETI_MINISIGN_PASSWORD" | "${mini[@]}" >/dev/null
        else
            "${mini[@]}" </dev/null >/dev/null  # an unencrypted key reads no password
        fi
    done
    echo "sign.sh: minisign signatures"
fi
cat SHA256SUMS
