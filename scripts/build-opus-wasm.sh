#!/bin/sh
# Builds libopus from a source tree into a stand-alone WebAssembly module
# with Debian's clang, lld and wasi-libc (apt-get install clang lld wasi-libc
# libclang-rt-dev-wasm32), for tests/bench/codecs.bench.ts --opus-wasm, which
# times it beside the build Parley ships (opusscript's) and libopus native.
#
#   scripts/build-opus-wasm.sh SRC OUT.wasm [float|fixed] [extra clang flags, e.g. -msimd128]
#
# SRC is a libopus source tree (its celt_sources.mk, silk_sources.mk and
# opus_sources.mk name the files), e.g. @discordjs/opus's deps/opus (libopus
# 1.3.1, the version of Debian's libopus0). The module exports libopus's
# opus_encoder_get_size/init, opus_encode, opus_decoder_get_size/init,
# opus_decode, malloc and free, and opus_encoder_ctl_set /
# opus_decoder_ctl_set(state, request, value): non-variadic wrappers, as a
# WASM caller cannot build a C va_list. It imports nothing but
# wasi_snapshot_preview1 stubs libc links in (never called by the codec).
set -eu
if [ $# -lt 2 ]; then echo "usage: $0 SRC OUT.wasm [float|fixed] [clang flags]" >&2; exit 2; fi
SRC=$1
OUT=$2
MODE=${3:-float}
EXTRA=${4:-}
for f in celt_sources.mk silk_sources.mk opus_sources.mk include/opus.h; do
  [ -f "$SRC/$f" ] || { echo "$SRC is not a libopus source tree (no $f)" >&2; exit 2; }
done
# The file names listed under one variable of a .mk file ("NAME = \" up to the blank line).
list() { sed -n "/^$1 *=/,/^\$/p" "$2" | tail -n +2 | tr -d '\\'; }
FILES="$(list CELT_SOURCES "$SRC/celt_sources.mk") $(list SILK_SOURCES "$SRC/silk_sources.mk") $(list OPUS_SOURCES "$SRC/opus_sources.mk")"
DEFS="-DOPUS_BUILD -DHAVE_LRINTF -DHAVE_LRINT -DVAR_ARRAYS"
INC="-I$SRC/include -I$SRC/celt -I$SRC/silk"
case $MODE in
  fixed) FILES="$FILES $(list SILK_SOURCES_FIXED "$SRC/silk_sources.mk")"; DEFS="$DEFS -DFIXED_POINT -DDISABLE_FLOAT_API"; INC="$INC -I$SRC/silk/fixed" ;;
  float) FILES="$FILES $(list SILK_SOURCES_FLOAT "$SRC/silk_sources.mk") $(list OPUS_SOURCES_FLOAT "$SRC/opus_sources.mk")"; INC="$INC -I$SRC/silk/float" ;;
  *) echo "mode must be float or fixed" >&2; exit 2 ;;
esac
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cat > "$TMP/ctl.c" <<'C'
#include "opus.h"
int opus_encoder_ctl_set(OpusEncoder *st, int request, int value) { return opus_encoder_ctl(st, request, value); }
int opus_decoder_ctl_set(OpusDecoder *st, int request, int value) { return opus_decoder_ctl(st, request, value); }
C
PATHS=""
for f in $FILES; do PATHS="$PATHS $SRC/$f"; done
EXPORTS=""
for e in malloc free opus_encoder_get_size opus_encoder_init opus_encode opus_encoder_ctl_set \
  opus_decoder_get_size opus_decoder_init opus_decode opus_decoder_ctl_set; do
  EXPORTS="$EXPORTS -Wl,--export=$e"
done
# shellcheck disable=SC2086 # word splitting of the lists is wanted
clang --target=wasm32-wasi --sysroot=/usr -O3 $EXTRA $DEFS $INC -w -mexec-model=reactor \
  -Wl,--no-entry $EXPORTS -Wl,-z,stack-size=524288 -Wl,--strip-all \
  -o "$OUT" $PATHS "$TMP/ctl.c"
echo "$OUT: libopus $(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$SRC/package_version" 2>/dev/null || echo '?') $MODE $EXTRA, $(wc -c < "$OUT") bytes"
