"""Search keys for people's names: the name itself, its full pinyin and its pinyin initials.

A name is indexed under a few keys, and a search box input is turned into keys
(``query_keys``) that match them by prefix, so "zw", "zhangwei", "zhang wei" and "张伟" all find
张伟. Surnames are read every way they plausibly are: 单 is "shan" as a surname but many people
type "dan", so 单小明 is found by "shanxiaoming", "danxiaoming", "sxm" and "dxm". The given name
takes its most likely reading (pypinyin's, with its phrase dictionary) and, while the key budget
lasts, the other readings of each character.

Keys are lower-case ASCII with "ü" written "v" (lv for 吕), plus the name itself with spaces and
middle dots removed. Latin-letter names (e.g. a minority name written in Latin letters) give
lower-case letter keys. At most ``MAX_KEYS`` keys per name.

The bulk import indexes tens of thousands of names a second: readings are cached per character
and per phrase (module-level ``lru_cache``), so a name costs a few dictionary look-ups.
"""

import re
import unicodedata
from functools import cache, lru_cache
from itertools import groupby

from pypinyin import Style, lazy_pinyin, pinyin
from pypinyin.constants import PINYIN_DICT, RE_HANS
from pypinyin.seg.mmseg import seg as _phrase_segmenter

MAX_KEYS = 16
MAX_SURNAME_HETERONYMS = 4  # pypinyin readings of a one-character surname, besides those below
MAX_GIVEN_READINGS = 3  # readings of each given-name character tried, the most likely first

# Surname characters read differently as surnames; the surname reading comes first, then the
# everyday reading people often type instead.
SURNAME_READINGS: dict[str, tuple[str, ...]] = {
    "单": ("shan", "dan"), "曾": ("zeng", "ceng"), "解": ("xie", "jie"), "仇": ("qiu", "chou"),
    "朴": ("piao", "pu"), "区": ("ou", "qu"), "查": ("zha", "cha"), "盖": ("ge", "gai"),
    "尉": ("wei", "yu"), "乐": ("yue", "le"), "覃": ("qin", "tan"), "缪": ("miao", "mou", "miu"),
    "召": ("shao", "zhao"), "秘": ("bi", "mi"), "种": ("chong", "zhong"), "重": ("chong", "zhong"),
    "都": ("du", "dou"), "员": ("yun", "yuan"), "长": ("chang", "zhang"), "柏": ("bai", "bo"),
    "繁": ("po", "fan"), "折": ("she", "zhe"), "翟": ("zhai", "di"), "祭": ("zhai", "ji"),
    "句": ("gou", "ju"), "能": ("nai", "neng"), "藏": ("zang", "cang"), "薄": ("bo", "bao"),
    "谌": ("chen", "shen"), "粘": ("nian", "zhan"), "莘": ("shen", "xin"), "郇": ("huan", "xun"),
    "牟": ("mou", "mu"), "行": ("xing", "hang"), "隗": ("wei", "kui"), "褚": ("chu", "zhu"),
    "盛": ("sheng", "cheng"), "宓": ("mi", "fu"), "朝": ("chao", "zhao"), "么": ("yao", "me"),
    "阿": ("a", "e"), "万": ("wan", "mo"), "车": ("che", "ju"), "贾": ("jia", "gu"),
    "燕": ("yan",), "叶": ("ye", "she"), "沈": ("shen",), "殷": ("yin", "yan"),
}

# Compound surnames (复姓) with their readings; a name starting with one is also indexed as a
# one-character surname followed by a given name, since both occur (单于 chanyu, 单 shan + 于…).
COMPOUND_SURNAMES: dict[str, tuple[tuple[str, ...], ...]] = {
    surname: tuple(tuple(reading.split()) for reading in readings)
    for surname, readings in {
        "欧阳": ("ou yang",), "诸葛": ("zhu ge",), "司马": ("si ma",), "上官": ("shang guan",),
        "东方": ("dong fang",), "皇甫": ("huang fu",), "尉迟": ("yu chi",), "公孙": ("gong sun",),
        "慕容": ("mu rong",), "长孙": ("zhang sun",), "宇文": ("yu wen",), "司徒": ("si tu",),
        "令狐": ("ling hu",), "夏侯": ("xia hou",), "轩辕": ("xuan yuan",), "澹台": ("tan tai",),
        "万俟": ("mo qi",), "单于": ("chan yu",), "端木": ("duan mu",), "呼延": ("hu yan",),
        "南宫": ("nan gong",), "西门": ("xi men",), "独孤": ("du gu",), "百里": ("bai li",),
        "钟离": ("zhong li",), "申屠": ("shen tu",), "赫连": ("he lian",), "拓跋": ("tuo ba",),
        "闻人": ("wen ren",), "东郭": ("dong guo",), "公冶": ("gong ye",), "淳于": ("chun yu",),
        "太叔": ("tai shu",), "濮阳": ("pu yang",), "宗政": ("zong zheng",), "乐正": ("yue zheng",),
        "司空": ("si kong",), "鲜于": ("xian yu",), "亓官": ("qi guan",), "子车": ("zi ju",),
        "公羊": ("gong yang",), "仲孙": ("zhong sun",), "第五": ("di wu",), "左丘": ("zuo qiu",),
    }.items()
}

# Spaces and the marks that separate parts of a name (the middle dot of 阿依古丽·买买提 and its
# look-alikes), and apostrophes and hyphens of typed pinyin (xi'an, Zhang-Wei).
_SEPARATORS = re.compile("[\\s\u00b7\u0387\u2022\u2027\u2219\u22c5\u30fb\uff65.,'\u2018\u2019\\-_]+")
_WORD = re.compile(r"[^\W_]+")


def _is_han(char: str) -> bool:
    return RE_HANS.match(char) is not None


def _flat(text: str) -> str:
    """NFKC (full-width letters), lower case, without separators."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text).lower())


def _strip_marks(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _latin(run: str) -> str:
    """ASCII letters and digits of a non-Chinese run ("Gülnar" → "gulnar"); other scripts drop out."""
    return "".join(c for c in _strip_marks(run) if c.isascii() and c.isalnum())


def _syllable(reading: str) -> str:
    if reading.isascii() and reading.isalpha():
        return reading.lower()
    return _latin(reading.lower().replace("ü", "v"))  # "ê" (欸) → "e"


@cache  # bounded by pypinyin's ~42,000 characters
def _char_readings(char: str) -> tuple[str, ...]:
    """Readings of one character, the most likely first; ("",) if pypinyin has none."""
    if ord(char) not in PINYIN_DICT:
        return ("",)
    first = _syllable(lazy_pinyin(char, style=Style.NORMAL)[0])
    others = (_syllable(r) for r in pinyin(char, style=Style.NORMAL, heteronym=True)[0])
    return tuple(dict.fromkeys([first, *others]))


@lru_cache(maxsize=1 << 16)
def _segment_reading(segment: str) -> tuple[str, ...]:
    if len(segment) == 1:
        return (_char_readings(segment)[0],)
    readings = lazy_pinyin(segment, style=Style.NORMAL)
    if len(readings) != len(segment):  # not one reading per character: read them one by one
        return tuple(_char_readings(c)[0] for c in segment)
    return tuple(_syllable(r) for r in readings)


@lru_cache(maxsize=1 << 16)
def _run_reading(run: str) -> tuple[str, ...]:
    """Most likely reading of a run of Chinese characters: what ``lazy_pinyin`` gives."""
    out: list[str] = []
    for segment in _phrase_segmenter.cut(run):
        out.extend(_segment_reading(segment))
    return tuple(out)


@cache
def _surname_readings(char: str) -> tuple[str, ...]:
    heteronyms = _char_readings(char)[:MAX_SURNAME_HETERONYMS]
    return tuple(r for r in dict.fromkeys([*SURNAME_READINGS.get(char, ()), *heteronyms]) if r)


def _tokens(text: str) -> tuple[list[str], list[str | None]]:
    """Most likely syllables, and for each its Chinese character (None for a Latin-letter word)."""
    syllables: list[str] = []
    chars: list[str | None] = []
    for word in _WORD.findall(text):
        runs = [(True, word)] if RE_HANS.match(word) else [
            (han, "".join(group)) for han, group in groupby(word, key=_is_han)]
        for han, run in runs:
            if han:
                syllables.extend(_run_reading(run))
                chars.extend(run)
            elif latin := _latin(run):
                syllables.append(latin)
                chars.append(None)
    return syllables, chars


def _variants(syllables: list[str], chars: list[str | None]) -> list[tuple[str, ...]]:
    """Readings of the whole name, the most likely first."""
    base = tuple(syllables)
    variants = [base]
    first = chars[0]
    if first is None:
        return variants
    if len(chars) > 1 and chars[1] is not None:
        for reading in COMPOUND_SURNAMES.get(first + chars[1], ()):
            variants.append(reading + base[2:])
    for reading in _surname_readings(first):
        variants.append((reading, *base[1:]))
    for i, char in enumerate(chars[1:], start=1):
        if char is None:
            continue
        for reading in _char_readings(char)[:MAX_GIVEN_READINGS]:
            if reading and reading != base[i]:
                variants.append((*base[:i], reading, *base[i + 1:]))
    return variants


@lru_cache(maxsize=1 << 14)
def _keys(name: str) -> frozenset[str]:
    flat = _flat(name)
    if not flat:
        return frozenset()
    keys = {flat}
    syllables, chars = _tokens(unicodedata.normalize("NFKC", name).lower())
    if syllables:
        for variant in _variants(syllables, chars):
            new = {"".join(variant), "".join(s[0] for s in variant if s)} - keys - {""}
            if len(keys) + len(new) <= MAX_KEYS:
                keys |= new
    return frozenset(keys)


def search_keys(name: str) -> set[str]:
    """The keys a name is indexed under: the name itself (without spaces and middle dots), full
    pinyin and initials for every plausible reading of its surname and the most likely reading
    of the rest (other readings while fewer than ``MAX_KEYS``). Empty for an empty name."""
    return set(_keys(name or ""))


def query_keys(text: str) -> set[str]:
    """Keys to look for, each matching an indexed key by prefix, from a search box input.

    Chinese text gives its normalised form (NFKC, no spaces or middle dots); Latin letters give
    lower-case letters without spaces, with "ü" both as "v" (pinyin: "lü" → "lv") and as "u"
    (a Latin-letter name: "Gülnar" → "gulnar"). Empty or blank input gives no keys.
    """
    flat = _flat(text or "")
    if not flat:
        return set()
    keys = {flat}
    if not flat.isascii():
        for form in (flat.replace("ü", "v"), flat):
            stripped = _strip_marks(form)
            if stripped and stripped.isascii():
                keys.add(stripped)
    return keys


def matches(name: str, text: str) -> bool:
    """Whether a search for ``text`` finds ``name``: some key of the name starts with some key
    of the text. For tests and short lists; the registry matches stored keys in the database."""
    queries = query_keys(text)
    return bool(queries) and any(key.startswith(q) for key in _keys(name or "") for q in queries)
