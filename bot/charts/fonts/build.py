"""Rebuild the bundled fonts from Debian's Noto packages: ``python -m bot.charts.fonts.build``.

Needs ``apt-get install fonts-noto-core fonts-noto-cjk``; the result is committed, so nobody else does.
Noto Sans (Latin, Greek, Cyrillic) is copied whole; the script fonts are copied as they are; Noto Sans
CJK is cut down to the characters of GB 2312, JIS X 0208 and KS X 1001 (the everyday Chinese, Japanese
and Korean sets, about 15,000 characters) and turned into TrueType outlines, so matplotlib's PDF
backend and ReportLab can embed it like the others. All are under the SIL Open Font License (OFL.txt).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.recordingPen import DecomposingRecordingPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

HERE = Path(__file__).parent
CORE = Path("/usr/share/fonts/truetype/noto")
CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
CJK_SC = 2  # the Simplified Chinese face of the collection: one shape per character is enough for names
COPIED = (
    "NotoSans-Regular.ttf",
    "NotoSans-Bold.ttf",
    "NotoSansArabic-Regular.ttf",
    "NotoSansHebrew-Regular.ttf",
    "NotoSansDevanagari-Regular.ttf",
    "NotoSansThai-Regular.ttf",
    "NotoSansArmenian-Regular.ttf",
    "NotoSansGeorgian-Regular.ttf",
    "NotoSansBengali-Regular.ttf",
)
MAX_ERR = 3.0  # font units: how far the quadratic outlines may stray from the cubic ones


def _double_byte_set(codec: str, lead: range, trail: range) -> set[str]:
    chars = set()
    for a in lead:
        for b in trail:
            try:
                chars.add(bytes((a, b)).decode(codec))
            except UnicodeDecodeError:
                continue
    return chars


def cjk_characters() -> set[str]:
    chars = _double_byte_set("gb2312", range(0xA1, 0xF8), range(0xA1, 0xFF))
    chars |= _double_byte_set("euc_jp", range(0xA1, 0xF5), range(0xA1, 0xFF))
    chars |= _double_byte_set("euc_kr", range(0xA1, 0xFE), range(0xA1, 0xFF))
    chars |= {chr(c) for c in range(0x3000, 0x3100)}  # CJK punctuation, kana
    chars |= {chr(c) for c in range(0xFF00, 0xFFF0)}  # full- and half-width forms
    return {c for c in chars if len(c) == 1 and ord(c) > 0x7F}


def _to_truetype(font: TTFont) -> None:
    """CFF cubic outlines to TrueType quadratic ones (what fontTools' otf2ttf snippet does)."""
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in font.getGlyphOrder():
        recorded = DecomposingRecordingPen(glyph_set)
        glyph_set[name].draw(recorded)
        pen = TTGlyphPen(None)
        recorded.replay(Cu2QuPen(pen, MAX_ERR, reverse_direction=True))
        glyphs[name] = pen.glyph()
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    font["loca"] = newTable("loca")
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = font.getGlyphOrder()
    glyf.glyphs = glyphs
    font["maxp"] = maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attr in [
        "maxZones",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ]:
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    maxp.maxComponentDepth = 0
    font["post"].formatType = 2.0
    font["post"].extraNames = []
    font["post"].mapping = {}
    font["head"].glyphDataFormat = 0
    font["head"].indexToLocFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"
    font.recalcBBoxes = True


def build_cjk(out: Path) -> None:
    font = TTCollection(str(CJK)).fonts[CJK_SC]
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(cjk_characters())))
    subsetter.subset(font)
    _to_truetype(font)
    names = font["name"]
    for record in names.names:
        if record.nameID in (1, 4, 16):
            record.string = "Noto Sans CJK Subset"
        elif record.nameID == 6:
            record.string = "NotoSansCJKSubset-Regular"
    font.save(str(out))


def main() -> None:
    for name in COPIED:
        shutil.copyfile(CORE / name, HERE / name)
    build_cjk(HERE / "NotoSansCJKSubset-Regular.ttf")
    for path in sorted(HERE.glob("*.ttf")):
        print(f"{path.name}: {path.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
