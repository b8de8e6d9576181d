#!/usr/bin/env bash
# Sign the macOS app with the hardened runtime, wrap it in a .dmg, notarise and staple.
#
#   packaging/macos/sign_and_notarize.sh "dist/bundle/Ireti Till.app" OUTDIR VERSION [--dry-run]
#
# Environment (from repository secrets in the release workflow; never committed):
#   MACOS_SIGN_IDENTITY   "Developer ID Application: <Company> (<TEAMID>)"
#   MACOS_KEYCHAIN        keychain holding that identity (optional; default search list)
#   MACOS_NOTARY_KEY      path to the App Store Connect API key (.p8)
#   MACOS_NOTARY_KEY_ID   its key id;  MACOS_NOTARY_ISSUER  its issuer id
# --dry-run prints every command instead of running it (works on any OS; used by tests).
set -euo pipefail
APP="${1:?usage: sign_and_notarize.sh APP OUTDIR VERSION [--dry-run]}"
OUT="${2:?OUTDIR}"
VERSION="${3:?VERSION}"
DRY=0
[ "${4:-}" = "--dry-run" ] && DRY=1
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ENTITLEMENTS="$HERE/entitlements.plist"
DMG="$OUT/ireti-till-$VERSION-macos-$(uname -m).dmg"
IDENTITY="${MACOS_SIGN_IDENTITY:-}"
if [ "$DRY" = 1 ]; then
    IDENTITY="${IDENTITY:-Developer ID Application: DRY RUN (TEAMID0000)}"
    MACOS_NOTARY_KEY="${MACOS_NOTARY_KEY:-AuthKey_DRYRUN.p8}"
    MACOS_NOTARY_KEY_ID="${MACOS_NOTARY_KEY_ID:-DRYRUNKEY}"
    MACOS_NOTARY_ISSUER="${MACOS_NOTARY_ISSUER:-00000000-0000-0000-0000-000000000000}"
fi
[ -n "$IDENTITY" ] || { echo "MACOS_SIGN_IDENTITY is not set" >&2; exit 2; }
KEYCHAIN_ARGS=()
[ -n "${MACOS_KEYCHAIN:-}" ] && KEYCHAIN_ARGS=(--keychain "$MACOS_KEYCHAIN")

run() {
    if [ "$DRY" = 1 ]; then printf '+'; printf ' %q' "$@"; printf '\n'; else "$@"; fi
}
# (the ${a[@]+...} form keeps macOS's bash 3.2 happy with an empty array under set -u)
SIGN=(codesign --force --timestamp --options runtime --sign "$IDENTITY"
      ${KEYCHAIN_ARGS[@]+"${KEYCHAIN_ARGS[@]}"})

echo "== codesign (hardened runtime, secure timestamp), inside out"
# Nested code first: every Mach-O library and helper executable, deepest paths first, then
# the app itself with the entitlements. (--deep is deprecated for signing.)
if [ "$DRY" = 1 ]; then
    echo "+ find \"$APP/Contents\" -type f ( -name '*.so' -o -name '*.dylib' -o -perm +111 ) | sort -r | xargs codesign ..."
else
    find "$APP/Contents/Frameworks" "$APP/Contents/Resources" "$APP/Contents/MacOS" -type f \
        \( -name '*.so' -o -name '*.dylib' -o -perm +111 \) -print0 2>/dev/null |
        sort -rz | xargs -0 -n 20 "${SIGN[@]}"
fi
run "${SIGN[@]}" --entitlements "$ENTITLEMENTS" "$APP"
run codesign --verify --deep --strict --verbose=2 "$APP"

echo "== disk image"
run mkdir -p "$OUT"
run hdiutil create -volname "Ireti Till $VERSION" -srcfolder "$APP" -ov -format UDZO "$DMG"
run "${SIGN[@]}" "$DMG"

echo "== notarise (waits for Apple's verdict) and staple"
run xcrun notarytool submit "$DMG" --key "$MACOS_NOTARY_KEY" --key-id "$MACOS_NOTARY_KEY_ID" \
    --issuer "$MACOS_NOTARY_ISSUER" --wait --timeout 30m
run xcrun stapler staple "$APP"
run xcrun stapler staple "$DMG"
run xcrun stapler validate "$DMG"
run spctl --assess --type open --context context:primary-signature --verbose=2 "$DMG"
run spctl --assess --type execute --verbose=2 "$APP"
echo "signed, notarised and stapled: $DMG"
