import re
import shutil
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

FONT_URL = re.compile(r"url\(\./files/([\w.-]+\.woff2)\) format\('woff2'\)(, url\([^)]*\) format\('woff'\))?")


class Command(BaseCommand):
    help = "Copy the pinned npm front-end files the pages use from node_modules into var/vendor."

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
