#!/usr/bin/env bash
# Takes a headless Chromium screenshot of an HTML report and checks it is not
# blank: the PNG must exist, weigh more than 10 KB and hold more than one colour.
#
#   scripts/report-screenshot.sh REPORT.html [OUT.png]   # OUT defaults to REPORT.png
#
# Needs `chromium` (Debian: apt-get install -y chromium) and python3 (for the
# colour check; without it only the size is checked). Exits non-zero when the
# screenshot is missing or trivial. The page is loaded from file:// with
# networking features off: a report must not need the network.
set -euo pipefail

usage() { echo "usage: $0 REPORT.html [OUT.png]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
HTML=$1
[ -f "$HTML" ] || { echo "report-screenshot: no such file: $HTML" >&2; exit 1; }
OUT=${2:-${HTML%.html}.png}
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}
[ -n "$CHROMIUM" ] || { echo "report-screenshot: chromium not found (apt-get install -y chromium)" >&2; exit 1; }

ABS_HTML=$(cd "$(dirname "$HTML")" && pwd)/$(basename "$HTML")
case "$OUT" in /*) ABS_OUT=$OUT ;; *) ABS_OUT=$(pwd)/$OUT ;; esac
PROFILE=$(mktemp -d)
trap 'rm -rf "$PROFILE"' EXIT
rm -f "$ABS_OUT"

# Chromium logs harmless D-Bus and GPU noise on stderr; keep it for failures only.
if ! timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --disable-dev-shm-usage --hide-scrollbars --user-data-dir="$PROFILE" \
  --window-size=1280,2000 --screenshot="$ABS_OUT" "file://$ABS_HTML" >"$PROFILE/chromium.log" 2>&1; then
  echo "report-screenshot: chromium failed:" >&2
  tail -20 "$PROFILE/chromium.log" >&2
  exit 1
fi

[ -f "$ABS_OUT" ] || { echo "report-screenshot: no screenshot written" >&2; tail -20 "$PROFILE/chromium.log" >&2; exit 1; }
SIZE=$(wc -c <"$ABS_OUT")
if [ "$SIZE" -le 10240 ]; then
  echo "report-screenshot: $ABS_OUT is only $SIZE bytes: blank page?" >&2
  exit 1
fi

if command -v python3 >/dev/null 2>&1; then
  python3 - "$ABS_OUT" <<'PY'
"""Decodes the PNG (8-bit RGB/RGBA/grey, non-interlaced) with zlib and counts colours."""
import struct, sys, zlib

path = sys.argv[1]
data = open(path, "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit(f"report-screenshot: {path} is not a PNG")
pos, idat, hdr = 8, [], None
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    chunk = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        hdr = struct.unpack(">IIBBBBB", chunk)
    elif kind == b"IDAT":
        idat.append(chunk)
    pos += 12 + length
width, height, depth, ctype, _, _, interlace = hdr
channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(ctype)
if depth != 8 or channels is None or interlace:
    print(f"report-screenshot: PNG type {ctype}/{depth}, skipping the colour check")
    sys.exit(0)
raw = zlib.decompress(b"".join(idat))
stride = width * channels
prev = bytearray(stride)
colours = set()
non_bg = 0
for y in range(height):
    start = y * (stride + 1)
    ftype, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
    for i in range(stride):
        a = line[i - channels] if i >= channels else 0
        b = prev[i]
        c = prev[i - channels] if i >= channels else 0
        if ftype == 1:
            line[i] = (line[i] + a) & 255
        elif ftype == 2:
            line[i] = (line[i] + b) & 255
        elif ftype == 3:
            line[i] = (line[i] + ((a + b) >> 1)) & 255
        elif ftype == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    prev = line
    if y % 4 == 0:  # sample every 4th row: plenty for a colour count
        for x in range(0, stride, channels * 2):
            colours.add(bytes(line[x:x + channels]))
if len(colours) < 8:
    sys.exit(f"report-screenshot: {path} has {len(colours)} colours: blank page?")
print(f"report-screenshot: {width}x{height}, {len(colours)} colours sampled")
PY
fi
echo "report-screenshot: wrote $ABS_OUT ($SIZE bytes)"
