"""The project's Simplified Chinese catalog covers every message id of the rules (reasons are
stored as message ids and rendered in the reader's language), with the same placeholders."""

import ast
import re
from pathlib import Path

import polib

RULES_DIR = Path(__file__).resolve().parent.parent
CATALOG = RULES_DIR.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def source_msgids() -> set[str]:
    found = set()
    for path in RULES_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                found.add(node.args[0].value)
    return found


def test_catalog_covers_every_rule_message_with_the_same_placeholders():
    wanted = source_msgids()
    catalog = {e.msgid: e.msgstr for e in polib.pofile(str(CATALOG)) if e.msgid in wanted}
    assert set(catalog) == wanted
    for msgid, msgstr in catalog.items():
        assert msgstr, msgid
        assert set(PLACEHOLDER.findall(msgid)) == set(PLACEHOLDER.findall(msgstr)), msgid
        values = dict.fromkeys(PLACEHOLDER.findall(msgid), "x")
        assert msgstr % values if values else msgstr
        if msgid.endswith("."):
            assert msgstr.endswith("。"), msgid
