import logging
import os
import re
import shutil
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

FONT_URL = re.compile(r"url\(\./files/([\w.-]+\.woff2)\) format\('woff2'\)(, url\([^)]*\) format\('woff'\))?")
MERGED_FONT = "noto-sans-sc-merged.ttf"
# Tables the PDF never uses (vertical metrics, baselines, style attributes): dropped by the merge.
DROPPED_TABLES = ["vhea", "vmtx", "BASE", "STAT"]
# Characters the pages print that Noto Sans SC lacks, drawn with the glyph of a look-alike it
# has: the suppression marker ✱ (U+2731) as the fullwidth asterisk ＊ (U+FF0A).
ALIASES = {0x2731: 0xFF0A}
FONT_NAMES = {1: "Noto Sans SC", 2: "Regular", 4: "Noto Sans SC Regular", 6: "NotoSansSC-Regular"}


def merged_font_path() -> Path:
    """The single TTF the PDF reports embed. Not under var/vendor: that directory is served as
    static files, and collectstatic would copy and compress 7 MB for nothing."""
    return Path(settings.VAR_DIR) / "fonts" / MERGED_FONT


def merge_font(files: list[Path], dest: Path) -> int:
    """Merge fontsource's numbered subsets of one face into one TTF (about 10 s); returns the
    number of characters it maps.

    WeasyPrint keys fonts by family, weight and style, so the subsets cannot be given to it as
    separate @font-face rules (they collide); the one "chinese-simplified" file lacks about a
    thousand GB2312 hanzi; woff2 is decompressed again on every render (about 2 s a PDF).
    """
    from fontTools.merge import Merger, Options

    log = logging.getLogger("fontTools")  # a hundred INFO lines per merge otherwise
    level = log.level
    log.setLevel(logging.WARNING)
    try:
        font = Merger(options=Options(drop_tables=DROPPED_TABLES)).merge([str(f) for f in files])
    finally:
        log.setLevel(level)
    font.flavor = None
    for table in font["cmap"].tables:
        if table.isUnicode():
            for alias, original in ALIASES.items():
                if original in table.cmap and alias not in table.cmap:
                    table.cmap[alias] = table.cmap[original]
    for record in list(font["name"].names):  # the subsets say "Thin": the variable font's default
        if record.nameID in FONT_NAMES:
            record.string = FONT_NAMES[record.nameID]
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_suffix(".partial")
    font.save(str(partial))
    os.replace(partial, dest)  # never a half-written font, even when interrupted
    return len(font.getBestCmap())


class Command(BaseCommand):
    help = ("Copy the pinned npm front-end files the pages use from node_modules into var/vendor, "
            "and build the PDF reports' font into var/fonts when missing.")

    def add_arguments(self, parser):
        parser.add_argument("--node-modules", type=Path, default=settings.BASE_DIR / "node_modules")

    def handle(self, node_modules: Path, **options):
        target = Path(settings.VAR_DIR) / "vendor"
        echarts = node_modules / "echarts" / "dist" / "echarts.min.js"
        font = node_modules / "@fontsource" / "noto-sans-sc"
        if not echarts.is_file() or not (font / "400.css").is_file():
            raise CommandError("front-end packages are missing: run 'npm ci' first")
        (target / "echarts").mkdir(parents=True, exist_ok=True)
        shutil.copy2(echarts, target / "echarts" / "echarts.min.js")
        files = target / "noto-sans-sc" / "files"
        files.mkdir(parents=True, exist_ok=True)
        css = (font / "400.css").read_text(encoding="utf-8")
        names = {m.group(1) for m in FONT_URL.finditer(css)}
        for name in names:
            dest = files / name
            if not dest.exists():
                shutil.copy2(font / "files" / name, dest)
        # woff2 only: every browser the system supports reads it.
        (target / "noto-sans-sc" / "400.css").write_text(
            FONT_URL.sub(lambda m: f"url(./files/{m.group(1)}) format('woff2')", css),
            encoding="utf-8",
        )
        self.stdout.write(f"vendored echarts and {len(names)} font files into {target}")
        merged = merged_font_path()
        if not merged.is_file():
            subsets = sorted((font / "files").glob("noto-sans-sc-*-400-normal.woff2"))
            count = merge_font(subsets, merged)
            self.stdout.write(f"merged {len(subsets)} font subsets ({count} characters) "
                              f"into {merged}")
