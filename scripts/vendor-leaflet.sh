#!/usr/bin/env bash
# Re-vendors Leaflet's built files from the npm registry into web/static/vendor/leaflet/.
# The page needs no build step and no CDN: the files are committed. Run this only to upgrade.
#   bash scripts/vendor-leaflet.sh [VERSION]     (default: the version pinned below)
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=${1:-1.9.4}
DEST=web/static/vendor/leaflet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "leaflet@${VERSION}" >/dev/null && tar -xzf "leaflet-${VERSION}.tgz")
pkg="$work/package"
rm -rf "$DEST"
mkdir -p "$DEST/images"
cp "$pkg/dist/leaflet.js" "$pkg/dist/leaflet.js.map" "$pkg/dist/leaflet.css" "$DEST/"
cp "$pkg"/dist/images/*.png "$DEST/images/"
cp "$pkg/LICENSE" "$DEST/LICENSE"
( cd "$DEST" && sha256sum leaflet.js leaflet.css > SHA256SUMS )
echo "leaflet ${VERSION} vendored into ${DEST}"
