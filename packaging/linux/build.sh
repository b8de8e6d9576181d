#!/usr/bin/env bash
# Build the Linux release: PyInstaller bundle, .tar.gz, .deb, SHA256SUMS and signatures.
#
#   packaging/linux/build.sh [--out DIR] [--deb-compress xz|gzip] [--fast] [--require-signing]
#
# --fast: lighter compression (gzip -1 for both packages), for tests and dry runs.
#
# Signing key from the caller (nothing is signed when neither is set, unless
# --require-signing, which then fails):
#   IRETI_GPG_KEY        gpg key id/fingerprint  (with GNUPGHOME, IRETI_GPG_PASSPHRASE optional)
#   IRETI_MINISIGN_KEY   minisign secret key file (IRETI_MINISIGN_PASSWORD optional)
# Outputs:  DIR/bundle/ireti-till/            the one-folder app
#           DIR/release/ireti-till-V-linux-ARCH.tar.gz, ireti-till_V_DEBARCH.deb,
#           DIR/release/ireti-till-V-sbom.cdx.json   CycloneDX SBOM of the build environment
#           SHA256SUMS, SHA256SUMS.asc, *.sig, *.minisig
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$ROOT/dist"
DEB_COMPRESS=xz
GZIP_LEVEL=-9
DEB_LEVEL=""
REQUIRE_SIGNING=0
while [ $# -gt 0 ]; do
    case "$1" in
        --out) OUT="$2"; shift 2 ;;
        --deb-compress) DEB_COMPRESS="$2"; shift 2 ;;
        --fast) DEB_COMPRESS=gzip; GZIP_LEVEL=-1; DEB_LEVEL=1; shift ;;
        --require-signing) REQUIRE_SIGNING=1; shift ;;
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
        *) echo "build.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
if [ "$REQUIRE_SIGNING" = 1 ] && [ -z "${IRETI_GPG_KEY:-}" ] && [ -z "${IRETI_MINISIGN_KEY:-}" ]; then
    echo "build.sh: --require-signing but neither IRETI_GPG_KEY nor IRETI_MINISIGN_KEY is set" >&2
    exit 3  # before spending minutes on a build that could not be released
fi
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
[ -x "$PYTHON" ] || PYTHON=python3
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s)}"
VERSION="$("$PYTHON" -c "import sys; sys.path.insert(0, '$ROOT/packaging'); import bundle_trim, pathlib; print(bundle_trim.read_version(pathlib.Path('$ROOT/ireti_till/__init__.py')))")"
ARCH="$(uname -m)"
DEB_ARCH="$(dpkg --print-architecture 2>/dev/null || echo amd64)"
RELEASE="$OUT/release"
rm -rf "$RELEASE" "$OUT/bundle"
mkdir -p "$RELEASE"

t0=$(date +%s)
echo "== PyInstaller bundle (ireti-till $VERSION)"
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$OUT/bundle" --workpath "$OUT/work" "$ROOT/packaging/ireti_till.spec"
cp "$OUT/work/ireti_till/ireti_till_build.json" "$OUT/bundle/ireti-till/VERSION.json"
t1=$(date +%s)
echo "== frozen self-check"
QT_QPA_PLATFORM=offscreen "$OUT/bundle/ireti-till/ireti-till" --bundle-check

echo "== tarball"
TARBALL="$RELEASE/ireti-till-$VERSION-linux-$ARCH.tar.gz"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
    -C "$OUT/bundle" -cf - ireti-till | gzip -n "$GZIP_LEVEL" > "$TARBALL"
echo "== deb"
"$PYTHON" "$HERE/make_deb.py" --bundle "$OUT/bundle/ireti-till" --version "$VERSION" \
    --out "$RELEASE" --arch "$DEB_ARCH" --compress "$DEB_COMPRESS" \
    ${DEB_LEVEL:+--level "$DEB_LEVEL"}
echo "== SBOM (CycloneDX)"
SBOM="$RELEASE/ireti-till-$VERSION-sbom.cdx.json"
if "$PYTHON" -c "import cyclonedx_py" 2>/dev/null; then
    "$PYTHON" -m cyclonedx_py environment --output-reproducible --of JSON \
        --pyproject "$ROOT/pyproject.toml" --mc-type application -o "$SBOM" "$PYTHON"
elif [ "$REQUIRE_SIGNING" = 1 ]; then
    echo "build.sh: a release needs the SBOM: pip install 'cyclonedx-bom>=4.4,<8'" >&2
    exit 4
else
    echo "== cyclonedx-bom not installed: no SBOM (a release build refuses this)"
fi
t2=$(date +%s)

if [ -n "${IRETI_GPG_KEY:-}" ] || [ -n "${IRETI_MINISIGN_KEY:-}" ]; then
    echo "== sums and signatures"
    "$HERE/sign.sh" "$RELEASE"
elif [ "$REQUIRE_SIGNING" = 1 ]; then
    echo "build.sh: --require-signing but neither IRETI_GPG_KEY nor IRETI_MINISIGN_KEY is set" >&2
    exit 3
else
    echo "== no signing key given: writing SHA256SUMS only (unsigned)"
    (cd "$RELEASE" && shopt -s nullglob && sha256sum -- *.tar.gz *.deb *.cdx.json > SHA256SUMS)
fi
t3=$(date +%s)
du -s --block-size=1M "$OUT/bundle/ireti-till" | awk '{print "bundle size (MiB): " $1}'
echo "timings (s): pyinstaller=$((t1 - t0)) packages=$((t2 - t1)) signing=$((t3 - t2))"
ls -l "$RELEASE"
