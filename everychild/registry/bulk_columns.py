"""The columns of the bulk import and export files, and the reading of their cells.

Headers and accepted values are Chinese, as child directors receive lists from schools and
village committees; they are data, not interface text. Each column also accepts the stored
code (``male``, ``migrant_worker``, ``01``...), so an export can be imported again. A row is
turned into the ``services.Registration`` that the registration page would build, so the same
service validates it.
"""

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.utils.datetime import from_excel

from everychild.places.codes import normalise as normalise_code
from everychild.registry.ethnicity import BY_CHINESE_NAME, ZH_NAMES, Ethnicity
from everychild.registry.models import (
    DisabilityType,
    HukouType,
    Level3,
    ParentRole,
    SchoolStatus,
    Sex,
    SituationKind,
)
from everychild.registry.services import (
    CaregiverInput,
    ChildInput,
    HouseholdInput,
    ParentInput,
    Registration,
    SituationInput,
)

EXAMPLE_NAME = "张小明（示例）"
ERRORS_HEADER = "错误说明"  # added to correction files; never read
CONFIRM_HEADER = "确认"
# Columns that may be present and are not read: a running number, and what exports and
# correction files add.
NOT_READ_HEADERS = ("序号", "编号", ERRORS_HEADER, "儿童编号", "类别", "登记时间", "备注")
MAX_CELL = 500


# --- accepted values: stored value -> (shown label, other spellings...) -----------------------

SEX_VALUES = {Sex.MALE: ("男", "男性", "m"), Sex.FEMALE: ("女", "女性", "f")}
SEX_NUMBERS = {"1": Sex.MALE, "2": Sex.FEMALE}  # GB/T 2261.1
YES_NO = {True: ("是", "有", "y", "yes", "true", "1", "√", "✓"),
          False: ("否", "无", "没有", "n", "no", "false", "0", "×", "✗")}
HUKOU_VALUES = {
    HukouType.RURAL: ("农业", "农业户口", "农村", "农村户口"),
    HukouType.URBAN: ("非农业", "非农业户口", "城镇", "城镇户口"),
    HukouType.UNREGISTERED: ("无户口", "未落户", "未登记户口", "黑户"),
    HukouType.UNKNOWN: ("不详", "未知"),
}
SCHOOL_VALUES = {
    SchoolStatus.NOT_SCHOOL_AGE: ("未到学龄", "学龄前", "未入园"),
    SchoolStatus.PRESCHOOL: ("学前教育", "幼儿园", "学前", "在园"),
    SchoolStatus.IN_SCHOOL: ("在校", "在读", "在学", "就读"),
    SchoolStatus.DROPPED_OUT: ("辍学",),
    SchoolStatus.NEVER_ENROLLED: ("从未入学", "未入学"),
    SchoolStatus.FINISHED: ("完成义务教育未在校", "完成义务教育", "毕业未升学"),
    SchoolStatus.UNKNOWN: ("不详", "未知"),
}
DISABILITY_VALUES = {
    DisabilityType.VISUAL: ("视力残疾", "视力"),
    DisabilityType.HEARING: ("听力残疾", "听力"),
    DisabilityType.SPEECH: ("言语残疾", "言语"),
    DisabilityType.PHYSICAL: ("肢体残疾", "肢体"),
    DisabilityType.INTELLECTUAL: ("智力残疾", "智力"),
    DisabilityType.MENTAL: ("精神残疾", "精神"),
    DisabilityType.MULTIPLE: ("多重残疾", "多重"),
}
GRADE_VALUES = {1: ("一级", "1", "一", "1级"), 2: ("二级", "2", "二", "2级"),
                3: ("三级", "3", "三", "3级"), 4: ("四级", "4", "四", "4级")}
PARENT_UNKNOWN = "unknown"  # not a situation: the parent's facts are not known
SITUATION_VALUES = {
    SituationKind.AT_HOME: ("在家", "在家中", "在家务农", "在家务工"),
    SituationKind.MIGRANT_WORKER: ("外出务工", "外出", "外出打工", "外出经商"),
    SituationKind.DEAD: ("死亡", "已故", "去世", "已死亡"),
    SituationKind.MISSING_DECLARED: ("宣告失踪", "被宣告失踪", "法院宣告失踪"),
    SituationKind.OUT_OF_CONTACT: ("失联", "失去联系"),
    SituationKind.CUSTODY_OR_SENTENCE: ("服刑在押", "服刑", "在押", "羁押", "服刑或在押"),
    SituationKind.DRUG_REHABILITATION: ("强制隔离戒毒", "戒毒"),
    SituationKind.OTHER_RESTRICTION: ("被执行其他限制人身自由的措施", "限制人身自由"),
    SituationKind.SEVERELY_DISABLED: ("重残", "重度残疾"),
    SituationKind.SEVERELY_ILL: ("重病", "患重病"),
    SituationKind.GUARDIANSHIP_REVOKED: ("被撤销监护资格", "撤销监护资格"),
    SituationKind.DEPORTED: ("被遣送出境", "遣送出境"),
    PARENT_UNKNOWN: ("不详", "情况不详"),
}
RELATIONSHIP_VALUES = {
    "grandfather_paternal": ("祖父", "爷爷"),
    "grandmother_paternal": ("祖母", "奶奶"),
    "grandfather_maternal": ("外祖父", "外公", "姥爷"),
    "grandmother_maternal": ("外祖母", "外婆", "姥姥"),
    "father": ("父亲", "爸爸"),
    "mother": ("母亲", "妈妈"),
    "stepparent": ("继父母", "继父", "继母"),
    "sibling": ("兄姐", "哥哥", "姐姐", "兄弟姐妹"),
    "other_relative": ("其他亲属", "叔叔", "伯伯", "婶婶", "姑姑", "姑父", "舅舅", "舅妈", "姨妈",
                       "阿姨", "姨父", "亲戚"),
    "foster_family": ("寄养家庭",),
    "other": ("其他", "邻居", "朋友"),
}
LEVEL3_VALUES = {Level3.GOOD: ("较好", "好", "良好"), Level3.FAIR: ("一般", "中"),
                 Level3.POOR: ("差", "较差")}
ETHNICITY_VALUES: dict[str, tuple[str, ...]] = {
    code: (name, name.removesuffix("族")) for name, code in BY_CHINESE_NAME.items()
}


def _norm(text: str) -> str:
    """A spelling folded for comparison: full-width to half-width, no spaces, lower case."""
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


def _table(values: Mapping[Any, tuple[str, ...]], extra: Mapping[str, Any] | None = None
           ) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for stored, spellings in values.items():
        for spelling in (*spellings, str(stored)):
            table.setdefault(_norm(spelling), stored)
    for spelling, stored in (extra or {}).items():
        table.setdefault(_norm(spelling), stored)
    return table


def shown(values: Mapping[Any, tuple[str, ...]]) -> str:
    return "、".join(spellings[0] for spellings in values.values())


def label(values: Mapping[Any, tuple[str, ...]], stored: Any) -> str:
    """The Chinese label of a stored value (for exports), or the value itself."""
    spellings = values.get(stored)
    return spellings[0] if spellings else ("" if stored in (None, "") else str(stored))


# --- columns ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str  # text, date, bool, choice, code, village, id, int
    help: Promise | str = ""
    required: bool = False
    values: Mapping[Any, tuple[str, ...]] | None = None
    accepted: str = ""  # accepted values as users read them (data)
    example: str = ""
    aliases: tuple[str, ...] = ()
    max_length: int = 0
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def table(self) -> dict[str, Any]:
        return _TABLES[self.key]

    @property
    def labels(self) -> list[str]:
        """The accepted values as written in exports and drop-down lists."""
        return [spellings[0] for spellings in (self.values or {}).values()]

    @property
    def text_format(self) -> bool:
        """Cells a spreadsheet must keep as text (codes and numbers with leading zeros)."""
        return self.kind in ("code", "village", "id") or self.key.endswith("phone")


def _yes_no(key: str, header: str, help_text: Promise, aliases: tuple[str, ...] = ()) -> Column:
    return Column(key, header, "bool", help_text, values=YES_NO, accepted="是、否",
                  example="否", aliases=aliases)


def _parent_columns(role: str, zh: str) -> list[Column]:
    return [
        Column(f"{role}_name", f"{zh}姓名", "text", gettext_lazy("The parent's name."), example="张大山"
               if role == "father" else "李秀英", max_length=50),
        Column(f"{role}_phone", f"{zh}电话", "text", gettext_lazy("The parent's phone number."),
               example="", max_length=30),
        Column(f"{role}_kind", f"{zh}状况", "choice",
               gettext_lazy("The parent's situation now. 不详 when nothing is known. Further situations "
                     "can be added on the child's page."),
               values=SITUATION_VALUES, accepted=shown(SITUATION_VALUES), example="外出务工"),
        Column(f"{role}_since", f"{zh}状况起始日期", "date",
               gettext_lazy("Since when (for a migrant worker: the date of leaving)."),
               example="2023-02-01", aliases=(f"{zh}外出起始日期", f"{zh}外出时间")),
        Column(f"{role}_cross_county", f"{zh}跨县外出", "bool",
               gettext_lazy("Working away across a county boundary."), values=YES_NO,
               accepted="是、否", example="是"),
        Column(f"{role}_destination", f"{zh}去向区划代码", "code",
               gettext_lazy("Where the parent works: a division code of 2, 4, 6, 9 or 12 digits."),
               example="533124", aliases=(f"{zh}外出地区划代码",)),
        Column(f"{role}_contact", f"{zh}联系频率", "text",
               gettext_lazy("How often the parent is in contact with the child."), example="每周",
               max_length=40),
        Column(f"{role}_court", f"{zh}经法院宣告", "bool",
               gettext_lazy("Death or disappearance declared by a court."), values=YES_NO,
               accepted="是、否", example=""),
        Column(f"{role}_police_date", f"{zh}公安受理报案日期", "date",
               gettext_lazy("For a parent out of contact: when the police accepted the report."),
               example=""),
        Column(f"{role}_disability_type", f"{zh}残疾类别", "choice",
               gettext_lazy("For a severely disabled parent: the type on the certificate."),
               values=DISABILITY_VALUES, accepted=shown(DISABILITY_VALUES), example=""),
        Column(f"{role}_disability_grade", f"{zh}残疾等级", "choice",
               gettext_lazy("For a severely disabled parent: the grade on the certificate."),
               values=GRADE_VALUES, accepted=shown(GRADE_VALUES), example=""),
    ]


COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", "text", gettext_lazy("The child's name."), required=True,
           example=EXAMPLE_NAME, aliases=("儿童姓名",)),
    Column("former_names", "曾用名", "text", gettext_lazy("Former names, separated by commas."),
           max_length=200),
    Column("nickname", "小名", "text", gettext_lazy("Nickname (小名)."), aliases=("乳名",), max_length=50),
    Column("sex", "性别", "choice", gettext_lazy("The child's sex."), required=True, values=SEX_VALUES,
           accepted="男、女", example="男", extra=SEX_NUMBERS),
    Column("date_of_birth", "出生日期", "date",
           gettext_lazy("Date of birth, as 2015-03-01, 2015/3/1, 20150301 or 2015年3月1日."),
           required=True, example="2015-03-01", aliases=("出生年月日",)),
    Column("id_number", "公民身份号码", "id",
           gettext_lazy("The resident ID number (18 characters); empty if the child has none. Format "
                 "the column as text: a spreadsheet keeps only 15 digits of a number."),
           example="", aliases=("身份证号", "身份证号码", "公民身份证号码", "身份证")),
    Column("ethnicity", "民族", "choice", gettext_lazy("Ethnic group (empty: Han)."),
           values=ETHNICITY_VALUES, accepted="汉族、回族、藏族……（56个民族）", example="汉族",
           extra={str(int(code)): code for code in Ethnicity.values}),
    Column("hukou_type", "户籍类型", "choice", gettext_lazy("Type of household registration (hukou)."),
           values=HUKOU_VALUES, accepted=shown(HUKOU_VALUES), example="农业",
           aliases=("户口性质", "户口类型")),
    Column("hukou_division_code", "户籍地区划代码", "code",
           gettext_lazy("Where the hukou is registered: a division code of 2, 4, 6, 9 or 12 digits."),
           example="", aliases=("户籍地代码",)),
    Column("division_code", "现居住村（居）区划代码", "village",
           gettext_lazy("The 12-digit code of the village or residents' committee where the child "
                 "lives now. It must lie in your jurisdiction."),
           required=True, example="", aliases=("现居住地区划代码", "居住村区划代码", "村（居）区划代码")),
    Column("school_status", "就学状况", "choice", gettext_lazy("School status."), values=SCHOOL_VALUES,
           accepted=shown(SCHOOL_VALUES), example="在校", aliases=("就学情况",)),
    Column("grade", "年级", "text", gettext_lazy("Grade or class."), example="四年级", max_length=20),
    Column("disability_type", "残疾类别", "choice",
           gettext_lazy("Type of disability on the child's certificate; empty if none."),
           values=DISABILITY_VALUES, accepted=shown(DISABILITY_VALUES), example=""),
    Column("disability_grade", "残疾等级", "choice",
           gettext_lazy("Grade on the child's disability certificate; empty if none."),
           values=GRADE_VALUES, accepted=shown(GRADE_VALUES), example=""),
    _yes_no("serious_illness", "患重病", gettext_lazy("The child has a serious illness."),
            aliases=("是否患重病",)),
    Column("illness_note", "所患疾病", "text", gettext_lazy("Which illness."), max_length=200),
    _yes_no("lives_alone", "独居", gettext_lazy("The child lives alone.")),
    _yes_no("left_unattended", "无人照料", gettext_lazy("The child is left unattended.")),
    _yes_no("guardianship_harm", "监护缺失或不当受到伤害",
            gettext_lazy("The child suffers or is threatened with harm through absent or improper "
                  "guardianship.")),
    _yes_no("both_parents_cannot_be_found", "父母均查找不到",
            gettext_lazy("Neither biological parent can be found.")),
    Column("address", "家庭住址", "text", gettext_lazy("The household's address."), example="东咀村三组",
           max_length=200),
    _yes_no("minimum_allowance", "低保", gettext_lazy("The household receives the minimum living "
                                             "allowance (低保)."), aliases=("享受低保",)),
    _yes_no("extreme_poverty_support", "特困",
            gettext_lazy("The household receives extreme-poverty support (特困)."),
            aliases=("特困供养",)),
    _yes_no("assessed_poor", "其他认定贫困", gettext_lazy("The household is otherwise assessed as poor.")),
    *_parent_columns("father", "父亲"),
    *_parent_columns("mother", "母亲"),
    Column("caregiver_name", "主要照料人姓名", "text", gettext_lazy("The main caregiver's name."),
           example="王秀兰", aliases=("照料人姓名", "监护人姓名"), max_length=50),
    Column("caregiver_relationship", "主要照料人关系", "choice",
           gettext_lazy("The main caregiver's relationship to the child (needed when a caregiver is "
                 "given)."), values=RELATIONSHIP_VALUES, accepted=shown(RELATIONSHIP_VALUES),
           example="祖母", aliases=("照料人关系", "与儿童关系")),
    Column("caregiver_age", "主要照料人年龄", "int", gettext_lazy("The main caregiver's age in years."),
           example="66", aliases=("照料人年龄",)),
    Column("caregiver_health", "主要照料人健康状况", "choice",
           gettext_lazy("The main caregiver's health."), values=LEVEL3_VALUES,
           accepted=shown(LEVEL3_VALUES), example="一般", aliases=("照料人健康状况",)),
    Column("caregiver_capacity", "主要照料人照料能力", "choice",
           gettext_lazy("The main caregiver's capacity to care for the child."), values=LEVEL3_VALUES,
           accepted=shown(LEVEL3_VALUES), example="一般", aliases=("照料能力", "照料人照料能力")),
    Column("caregiver_phone", "主要照料人电话", "text", gettext_lazy("The main caregiver's phone number."),
           example="", aliases=("照料人电话",), max_length=30),
    Column("confirm", CONFIRM_HEADER, "bool",
           gettext_lazy("是: register the row even though it raised warnings to confirm (such as a "
                 "possible duplicate)."), values=YES_NO, accepted="是、否", example=""),
)
BY_KEY = {column.key: column for column in COLUMNS}
REQUIRED = tuple(column for column in COLUMNS if column.required)
_TABLES = {column.key: _table(column.values, column.extra) for column in COLUMNS if column.values}
_BY_HEADER = {_norm(spelling): column for column in COLUMNS
              for spelling in (column.header, *column.aliases)}
_NOT_READ = {_norm(h) for h in NOT_READ_HEADERS}
# The service's field names, mapped to the column a message belongs to.
FIELD_COLUMNS = {"name": "name", "sex": "sex", "date_of_birth": "date_of_birth",
                 "division_code": "division_code", "hukou_division_code": "hukou_division_code",
                 "id_number": "id_number", "ethnicity": "ethnicity", "hukou_type": "hukou_type",
                 "school_status": "school_status", "grade": "grade",
                 "disability_type": "disability_type", "disability_grade": "disability_grade"}


def header_key(cell: str) -> str | None:
    """The column a header cell names (``*`` marks and spaces ignored), "" for a column that is
    known and not read, None for an unknown one."""
    folded = _norm(cell).replace("*", "")
    if folded in _NOT_READ:
        return ""
    column = _BY_HEADER.get(folded)
    return column.key if column else None


# --- cells -----------------------------------------------------------------------------------

def cell_text(value: Any) -> str:
    """A cell as text, the way it is stored and written back in a correction file."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def cell_warning(key: str | None, value: Any) -> str:
    """A problem a raw cell has that its text no longer shows: an ID number stored as a
    number (spreadsheets keep 15 significant digits); a date stored as a day number."""
    if key == "id_number" and isinstance(value, int | float) and not isinstance(value, bool) \
            and abs(value) >= 1e15:
        return _("The ID number was stored as a number, and spreadsheets keep only 15 digits "
                 "of a number: format the column as text and type the number again.")
    return ""


def excel_date_text(key: str | None, value: Any) -> Any:
    """A date column holding an Excel day number (a cell formatted as a number) as a date."""
    column = BY_KEY.get(key or "")
    if column is None or column.kind != "date" or isinstance(value, bool):
        return value
    if isinstance(value, int | float) and 1 <= value < 2_958_466:
        try:
            return from_excel(value).date()
        except (ValueError, OverflowError):
            return value
    return value


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(text: str) -> date:
    folded = unicodedata.normalize("NFKC", text).strip()
    folded = folded.split(" ")[0].split("T")[0]  # "2015-03-01 00:00:00"
    for pattern in _DATE_PATTERNS:
        match = pattern.match(folded)
        if match:
            year, month, day = (int(part) for part in match.groups())
            return date(year, month, day)  # ValueError for 2015-02-30
    raise ValueError(folded)


class RowProblems(Exception):  # noqa: N818 - a collection, raised to stop the row
    """The problems of one row: ``[(column key or "", message)]``."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(message for _key, message in problems))
        self.problems = problems


@dataclass
class ParsedRow:
    registration: Registration
    confirmed: bool


class _Reader:
    """Reads typed values out of one row's cells, collecting every problem."""

    def __init__(self, cells: Mapping[str, str], code_exists: Callable[[str], bool]) -> None:
        self.cells = cells
        self.code_exists = code_exists
        self.problems: list[tuple[str, str]] = []

    def text(self, key: str) -> str:
        value = self.cells.get(key, "").strip()
        limit = BY_KEY[key].max_length or MAX_CELL
        if len(value) > limit:
            self.problems.append((key, _("At most %(count)d characters.") % {"count": limit}))
            return value[:limit]
        return value

    def given(self, *keys: str) -> bool:
        return any(self.cells.get(key, "").strip() for key in keys)

    def choice(self, key: str, default: Any = "") -> Any:
        value = self.cells.get(key, "").strip()
        if not value:
            return default
        found = BY_KEY[key].table.get(_norm(value))
        if found is None:
            self.problems.append((key, _("“%(value)s” is not one of: %(accepted)s.") % {
                "value": value[:40], "accepted": BY_KEY[key].accepted}))
            return default
        return found

    def flag(self, key: str, default: bool | None = False) -> bool | None:
        return self.choice(key, default)

    def date(self, key: str) -> date | None:
        value = self.cells.get(key, "").strip()
        if not value:
            return None
        try:
            return parse_date(value)
        except ValueError:
            self.problems.append((key, _("“%(value)s” is not a date; write it as 2015-03-01.") % {
                "value": value[:40]}))
            return None

    def code(self, key: str) -> str:
        value = unicodedata.normalize("NFKC", self.cells.get(key, "")).strip()
        if not value:
            return ""
        try:
            code, _level = normalise_code(value)
        except ValueError:
            self.problems.append((key, _("“%(value)s” is not a division code of 2, 4, 6, 9 or 12 "
                                         "digits.") % {"value": value[:40]}))
            return ""
        if not self.code_exists(code):
            self.problems.append((key, _("Unknown division code: %(code)s") % {"code": value}))
            return ""
        return code

    def integer(self, key: str, low: int, high: int) -> int | None:
        value = unicodedata.normalize("NFKC", self.cells.get(key, "")).strip()
        if not value:
            return None
        try:
            number = int(float(value))
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            self.problems.append((key, _("Enter a whole number from %(low)d to %(high)d.") % {
                "low": low, "high": high}))
            return None
        return number


def parse_row(cells: Mapping[str, str], code_exists: Callable[[str], bool]) -> ParsedRow:
    """The registration a row describes; raises RowProblems naming every unreadable cell.

    ``cells`` maps column keys to cell text. What the service checks (name, sex, date limits,
    the village, the ID number) is left to the service, so its messages are the same as on
    the registration page.
    """
    r = _Reader(cells, code_exists)
    if r.text("name") == EXAMPLE_NAME:
        raise RowProblems([("name", _("This is the template's example row: delete it, or "
                                      "replace it with a real child."))])
    born = r.date("date_of_birth")
    if born is None and not r.given("date_of_birth"):
        r.problems.append(("date_of_birth", _("Enter the date of birth.")))
    village = unicodedata.normalize("NFKC", cells.get("division_code", "")).strip()
    if not village:
        r.problems.append(("division_code", _("Enter the 12-digit code of the village or "
                                              "residents' committee where the child lives.")))
    sex = r.choice("sex")
    child = ChildInput(
        name=r.text("name"), sex=sex, date_of_birth=born or date.min, division_code=village,
        id_number=unicodedata.normalize("NFKC", cells.get("id_number", "")).strip(),
        ethnicity=r.choice("ethnicity", Ethnicity.HAN), former_names=r.text("former_names"),
        nickname=r.text("nickname"), hukou_type=r.choice("hukou_type", HukouType.UNKNOWN),
        hukou_division_code=r.code("hukou_division_code"),
        school_status=r.choice("school_status", SchoolStatus.UNKNOWN), grade=r.text("grade"),
        disability_type=r.choice("disability_type"),
        disability_grade=r.choice("disability_grade", None),
        serious_illness=bool(r.flag("serious_illness")), illness_note=r.text("illness_note"),
        both_parents_cannot_be_found=bool(r.flag("both_parents_cannot_be_found")),
        guardianship_harm=bool(r.flag("guardianship_harm")),
        lives_alone=bool(r.flag("lives_alone")), left_unattended=bool(r.flag("left_unattended")),
    )
    household = HouseholdInput(
        address=r.text("address"), minimum_allowance=bool(r.flag("minimum_allowance")),
        extreme_poverty_support=bool(r.flag("extreme_poverty_support")),
        assessed_poor=bool(r.flag("assessed_poor")))
    parents = [p for p in (_parent(r, ParentRole.FATHER), _parent(r, ParentRole.MOTHER)) if p]
    caregivers = _caregivers(r)
    confirmed = bool(r.flag("confirm"))
    if r.problems:
        raise RowProblems(r.problems)
    return ParsedRow(Registration(input=child, household=household, parents=parents,
                                  caregivers=caregivers), confirmed)


PARENT_FIELDS = ("name", "phone", "kind", "since", "cross_county", "destination", "contact",
                 "court", "police_date", "disability_type", "disability_grade")


def _parent(r: _Reader, role: str) -> ParentInput | None:
    keys = {name: f"{role}_{name}" for name in PARENT_FIELDS}
    if not r.given(*keys.values()):
        return None
    kind = r.choice(keys["kind"])
    situation_keys = [keys[n] for n in PARENT_FIELDS if n not in ("name", "phone", "kind")]
    parent = ParentInput(role=role, name=r.text(keys["name"]), phone=r.text(keys["phone"]),
                         known=kind != PARENT_UNKNOWN)
    situation = SituationInput(
        kind=kind, since=r.date(keys["since"]), cross_county=r.flag(keys["cross_county"], None),
        destination_code=r.code(keys["destination"]), contact_frequency=r.text(keys["contact"]),
        court_declared=bool(r.flag(keys["court"])),
        police_report_accepted_on=r.date(keys["police_date"]),
        disability_type=r.choice(keys["disability_type"]),
        disability_grade=r.choice(keys["disability_grade"], None))
    if kind and kind != PARENT_UNKNOWN:
        parent.situations.append(situation)
    elif r.given(*situation_keys) and not r.given(keys["kind"]):
        r.problems.append((keys["kind"], _("Give the parent's situation for the other facts "
                                           "about them in this row.")))
    return parent


def _caregivers(r: _Reader) -> list[CaregiverInput]:
    keys = ("caregiver_name", "caregiver_relationship", "caregiver_age", "caregiver_health",
            "caregiver_capacity", "caregiver_phone")
    if not r.given(*keys):
        return []
    relationship = r.choice("caregiver_relationship")
    if not relationship and not r.given("caregiver_relationship"):
        r.problems.append(("caregiver_relationship",
                           _("Give the main caregiver's relationship to the child.")))
    return [CaregiverInput(
        relationship=relationship, name=r.text("caregiver_name"),
        age=r.integer("caregiver_age", 0, 120), health=r.choice("caregiver_health"),
        capacity=r.choice("caregiver_capacity"), phone=r.text("caregiver_phone"), primary=True)]


def headers_for(keys: Iterable[str]) -> list[str]:
    return [BY_KEY[key].header for key in keys]


ETHNICITY_LABELS = dict(zip(Ethnicity.values, ZH_NAMES, strict=True))


def _yes(value: bool | None) -> str:
    return "" if value is None else label(YES_NO, bool(value))


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


@dataclass(frozen=True)
class ParentRow:
    """What a row holds of one parent: one situation (the latest, or the current one)."""

    role: str
    name: str
    phone: str
    known: bool
    situation: Any = None  # a SituationInput or a ParentSituation


def _parent_values(parent: ParentRow) -> dict[str, str]:
    role, s = parent.role, parent.situation
    values = {f"{role}_name": parent.name, f"{role}_phone": parent.phone}
    if s is None:
        if not parent.known:
            values[f"{role}_kind"] = label(SITUATION_VALUES, PARENT_UNKNOWN)
        return values
    values.update({
        f"{role}_kind": label(SITUATION_VALUES, s.kind),
        f"{role}_since": _day(s.since), f"{role}_cross_county": _yes(s.cross_county),
        f"{role}_destination": s.destination_code, f"{role}_contact": s.contact_frequency,
        f"{role}_court": _yes(True) if s.court_declared else "",
        f"{role}_police_date": _day(s.police_report_accepted_on),
        f"{role}_disability_type": label(DISABILITY_VALUES, s.disability_type),
        f"{role}_disability_grade": label(GRADE_VALUES, s.disability_grade)})
    return values


def _caregiver_values(caregiver: Any) -> dict[str, str]:
    relationship = caregiver.relationship
    if relationship in RELATIONSHIP_VALUES:
        relationship = label(RELATIONSHIP_VALUES, relationship)
    else:  # relatives the template has no value for: spellings of 其他亲属
        relationship = {"aunt": "姑姑", "uncle": "叔叔"}.get(relationship, "其他亲属")
    return {"caregiver_name": caregiver.name, "caregiver_relationship": relationship,
            "caregiver_age": "" if caregiver.age is None else str(caregiver.age),
            "caregiver_health": label(LEVEL3_VALUES, caregiver.health),
            "caregiver_capacity": label(LEVEL3_VALUES, caregiver.capacity),
            "caregiver_phone": caregiver.phone}


def template_values(child: Any, household: Any, parents: Iterable[ParentRow],
                    caregivers: Iterable[Any]) -> dict[str, str]:
    """A child as the texts of the template's columns, by column key: what ``parse_row`` reads
    back. ``child``, ``household`` and the caregivers are records or the registration's inputs
    (the same attribute names). The primary caregiver (else the first) is written."""
    values: dict[str, Any] = {
        "name": child.name, "former_names": child.former_names, "nickname": child.nickname,
        "sex": label(SEX_VALUES, child.sex), "date_of_birth": child.date_of_birth.isoformat(),
        "id_number": child.id_number, "ethnicity": ETHNICITY_LABELS.get(child.ethnicity, ""),
        "hukou_type": label(HUKOU_VALUES, child.hukou_type),
        "hukou_division_code": child.hukou_division_code, "division_code": child.division_code,
        "school_status": label(SCHOOL_VALUES, child.school_status), "grade": child.grade,
        "disability_type": label(DISABILITY_VALUES, child.disability_type),
        "disability_grade": label(GRADE_VALUES, child.disability_grade),
        "serious_illness": _yes(child.serious_illness), "illness_note": child.illness_note,
        "lives_alone": _yes(child.lives_alone), "left_unattended": _yes(child.left_unattended),
        "guardianship_harm": _yes(child.guardianship_harm),
        "both_parents_cannot_be_found": _yes(child.both_parents_cannot_be_found),
    }
    if household is not None:
        values.update({
            "address": household.address, "minimum_allowance": _yes(household.minimum_allowance),
            "extreme_poverty_support": _yes(household.extreme_poverty_support),
            "assessed_poor": _yes(household.assessed_poor)})
    for parent in parents:
        values.update(_parent_values(parent))
    caregivers = list(caregivers)
    caregiver = next((c for c in caregivers if c.primary), caregivers[0] if caregivers else None)
    if caregiver is not None:
        values.update(_caregiver_values(caregiver))
    return {key: "" if value is None else str(value) for key, value in values.items()}


def row_cells(registration: Registration, *, confirm: bool = False) -> list[str]:
    """A registration as the cells of a template row (every column, in ``COLUMNS`` order).
    A parent's latest situation is written, as a row holds one per parent."""
    parents = [ParentRow(p.role, p.name, p.phone, p.known and bool(p.situations),
                         p.situations[-1] if p.situations else None)
               for p in registration.parents]
    values = template_values(registration.input, registration.household or HouseholdInput(),
                             parents, registration.caregivers)
    values["confirm"] = _yes(True) if confirm else ""
    return [values.get(column.key, "") for column in COLUMNS]
