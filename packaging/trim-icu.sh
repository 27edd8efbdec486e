#!/usr/bin/env bash
# Trims ICU's data library in the bundle (packaging/README.md, "ICU"): Qt6Core links ICU, whose
# data (libicudata.so.NN, 32 MB, a quarter of the bundle) is mostly what Qt never asks ICU for.
# Kept: collation (QCollator, the file dialog's sorting), locale and time-zone data, the
# converter alias table. Dropped: charset converters, break iterators, units, currencies,
# language and region names, transliteration, spelled-out numbers (Qt has its own for all of
# these). The trimmed data is linked into a new libicudata.so.NN with the same soname and symbol.
#   bash packaging/trim-icu.sh dist/mailwizard/_internal/PySide6/Qt/lib/libicudata.so.73
# Needs icupkg (icu-devtools), objcopy (binutils) and gcc.
set -euo pipefail
lib=$(readlink -f "$1")
major=${lib##*.so.}
name="icudt${major}l"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The library holds one symbol, icudtNN_dat, filling .rodata: ICU's common data package.
objcopy -O binary --only-section=.rodata "$lib" "$work/rodata.bin"
size=$((16#$(nm -D -S "$lib" | awk -v s="icudt${major}_dat" '$4 == s {print $2}')))
head -c "$size" "$work/rodata.bin" > "$work/$name.dat"
icupkg -l "$work/$name.dat" > "$work/all.txt"
grep -E '^(brkitr|unit|curr|lang|region|translit|rbnf)/|\.cnv$' "$work/all.txt" > "$work/drop.txt"
mkdir "$work/out"
icupkg -r "$work/drop.txt" "$work/$name.dat" "$work/out/$name.dat"
icupkg -l "$work/out/$name.dat" > "$work/kept.txt"
grep -qx 'coll/ucadata.icu' "$work/kept.txt"  # collation is still there
printf '.section .rodata\n.global icudt%s_dat\n.type icudt%s_dat,@object\n.balign 16\nicudt%s_dat:\n.incbin "%s"\n.size icudt%s_dat, .-icudt%s_dat\n' \
  "$major" "$major" "$major" "$work/out/$name.dat" "$major" "$major" > "$work/data.s"
gcc -shared -nostdlib -Wl,-soname,"libicudata.so.$major" -o "$work/libicudata.so.$major" "$work/data.s"
before=$(stat -c %s "$lib")
cp "$work/libicudata.so.$major" "$lib"
echo "ICU data trimmed: $before -> $(stat -c %s "$lib") bytes ($(wc -l < "$work/drop.txt") of $(wc -l < "$work/all.txt") items dropped)"
