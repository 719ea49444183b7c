"""Name search keys: Chinese characters, full pinyin, initials, every reading of a surname."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypinyin import lazy_pinyin
from pypinyin.constants import PINYIN_DICT

from everychild.registry import names
from everychild.registry.names import MAX_KEYS, matches, query_keys, search_keys

# Characters pypinyin can read, from the basic CJK block.
han = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF).filter(lambda c: ord(c) in PINYIN_DICT)
chinese_names = st.text(han, min_size=1, max_size=6)


@pytest.mark.parametrize("text", ["zw", "zhangwei", "zhang wei", "张伟", "ZW", "Zhang Wei", "张 伟",
                                  "zhang", "z", "ｚｈａｎｇｗｅｉ", "zhang-wei"])
def test_zhang_wei_is_found(text):
    assert matches("张伟", text)


@pytest.mark.parametrize("text", ["wz", "weizhang", "lw", "张三", "zhangweiwei"])
def test_zhang_wei_is_not_found_by_others(text):
    assert not matches("张伟", text)


def test_zhang_wei_keys():
    assert search_keys("张伟") == {"张伟", "zhangwei", "zw"}


@pytest.mark.parametrize("text", ["shanxiaoming", "danxiaoming", "sxm", "dxm", "shan xiao ming", "单小明",
                                  "shan", "dan"])
def test_shan_xiaoming_is_found_by_either_reading_of_the_surname(text):
    assert matches("单小明", text)


@pytest.mark.parametrize("surname, readings", [
    ("单", ["shan", "dan"]), ("曾", ["zeng", "ceng"]), ("解", ["jie", "xie"]), ("仇", ["qiu", "chou"]),
    ("朴", ["piao", "pu"]), ("区", ["ou", "qu"]), ("查", ["zha", "cha"]), ("盖", ["ge", "gai"]),
    ("乐", ["yue", "le"]), ("覃", ["qin", "tan"]), ("缪", ["miao", "mou"]), ("召", ["shao", "zhao"]),
])
def test_every_reading_of_a_surname_is_indexed(surname, readings):
    keys = search_keys(surname + "建国")
    for reading in readings:
        assert reading + "jianguo" in keys
        assert reading[0] + "jg" in keys


@pytest.mark.parametrize("name, expected", [
    ("尉迟敬德", ["yuchijingde", "ycjd"]), ("欧阳娜娜", ["ouyangnana", "oynn"]),
    ("万俟明", ["moqiming", "mqm"]), ("长孙无忌", ["zhangsunwuji", "zswj"]),
    ("单于明", ["chanyuming", "shanyuming", "danyuming"]),
])
def test_compound_surnames(name, expected):
    assert set(expected) <= search_keys(name)


def test_u_umlaut_is_v():
    assert {"lvxiaohong", "lxh"} <= search_keys("吕小红")
    assert matches("吕小红", "lv xiao hong") and matches("吕小红", "lü")


def test_middle_dots_and_spaces_are_ignored():
    name = "阿依古丽·买买提"
    assert "阿依古丽买买提" in search_keys(name)
    for text in ["阿依古丽买买提", "阿依古丽·买买提", "阿依古丽 • 买买提", "ayigulimaimaiti", "aygl"]:
        assert matches(name, text), text


def test_latin_letter_name():
    keys = search_keys("Aygul Mamat")
    assert keys == {"aygulmamat", "am"}
    assert matches("Aygul Mamat", "AYGUL MAMAT") and matches("Aygul Mamat", "aygul")
    assert not matches("Aygul Mamat", "mamat")


def test_latin_letters_with_accents():
    assert "gulnar" in search_keys("Gülnar")
    assert matches("Gülnar", "gulnar") and matches("Gülnar", "Gülnar")
    assert query_keys("lü") == {"lü", "lv", "lu"}


def test_mixed_name():
    assert {"liming", "lm"} <= search_keys("李Ming")


@pytest.mark.parametrize("blank", ["", " ", "  ·  ", "\u3000"])
def test_empty_input(blank):
    assert search_keys(blank) == set()
    assert query_keys(blank) == set()
    assert not matches("张伟", blank)
    assert not matches(blank, "zw")


def test_query_keys():
    assert query_keys("zhang wei") == {"zhangwei"}
    assert query_keys(" 张 伟 ") == {"张伟"}
    assert query_keys("ＺＷ") == {"zw"}
    assert query_keys("Xi'an") == {"xian"}


def test_readings_are_cached_per_character():
    search_keys("单小明")
    assert names._char_readings.cache_info().currsize > 0
    assert names._char_readings("单")[:1] == ("dan",) and {"shan", "chan"} <= set(names._char_readings("单"))


@given(chinese_names)
def test_keys_contain_the_initials_and_full_pinyin_of_lazy_pinyin(name):
    readings = lazy_pinyin(name)
    keys = search_keys(name)
    assert "".join(r[0] for r in readings) in keys
    assert "".join(readings) in keys
    assert name in keys


@given(chinese_names)
def test_keys_stay_few_and_are_ascii_lower_case_besides_the_name(name):
    keys = search_keys(name)
    assert len(keys) <= MAX_KEYS
    for key in keys - {name}:
        assert key.isascii() and key.isalpha() and key == key.lower()


@given(chinese_names)
def test_a_name_is_found_by_itself_its_pinyin_and_initials(name):
    readings = lazy_pinyin(name)
    assert matches(name, name)
    assert matches(name, " ".join(readings).upper())
    assert matches(name, "".join(r[0] for r in readings))


@given(st.text(max_size=12))
def test_any_text_is_handled(text):
    keys = search_keys(text)
    assert len(keys) <= MAX_KEYS
    assert all(keys)
    assert all(query_keys(text))
