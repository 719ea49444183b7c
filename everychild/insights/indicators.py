"""The indicators, each defined once: what it measures, its formula over the rollups, and the
source that asks for it (domain.md §8). Dashboards, the API and the county report all read
these definitions, so a figure means the same wherever it appears."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

COUNT, SHARE, DAYS, HOURS, RATIO = "count", "share", "days", "hours", "ratio"
DOMAIN = _("everychild domain rules §8 (indicators a dashboard should compute)")
MCA_2019 = _("MCA et al., Opinions on Further Strengthening Care Services for Rural Left-behind "
             "Children and Children in Difficult Circumstances (民发〔2019〕34号): a child director "
             "in every village")
REPORTING = _("Opinions on Establishing a Mandatory Reporting System for Cases Infringing on "
              "Minors (高检发〔2020〕9号)")
CENSUS = _("NBS, UNICEF China, UNFPA China: What the 2020 Census Can Tell Us About Children in "
           "China: Facts and Figures (2023)")


@dataclass(frozen=True)
class Indicator:
    code: str
    title: Promise
    formula: Promise
    source: Promise
    unit: str
    numerator: str  # "family" or "family#key" (default key: total) of the figures read
    denominator: str = ""  # the same, divided by, for a share or a ratio

    @property
    def label(self) -> str:
        return str(self.title)


I = Indicator  # noqa: E741 - the table below reads better short
INDICATORS = [
    I("children", _("Children registered"),
      _("Registered children under 18 living in the area"), DOMAIN, COUNT, "children:all"),
    I("vulnerable", _("Children in a policy category"),
      _("Children under 18 in at least one policy category (a child in several counts once)"),
      DOMAIN, COUNT, "children:any"),
    I("visited_on_time", _("Children visited on time"),
      _("Children whose next visit is not overdue ÷ children with a visit plan"), MCA_2019,
      SHARE, "visits.plans#status:on_time", "visits.plans"),
    I("never_visited", _("Children never visited"),
      _("Children with a visit plan and no visit recorded yet"), MCA_2019, COUNT,
      "visits.never_visited"),
    I("reports", _("Reports of suspected harm (12 months)"),
      _("Reports filed in the last 12 months, at their routing place"), REPORTING, COUNT,
      "reports.reports"),
    I("reports_ack_in_time", _("Reports acknowledged within the deadline"),
      _("Reports acknowledged by the first acknowledgement deadline ÷ reports filed "
        "(last 12 months)"), REPORTING, SHARE, "reports.reports_ack_in_time",
      "reports.reports"),
    I("time_to_ack", _("Mean time to acknowledgement"),
      _("Mean hours from filing to first acknowledgement, reports acknowledged in the last "
        "12 months"), REPORTING, HOURS, "reports.reports_acknowledged"),
    I("reports_feedback", _("Reports with feedback to the reporter"),
      _("Reports whose outcome was told to the reporter ÷ reports filed (last 12 months)"),
      REPORTING, SHARE, "reports.reports_feedback", "reports.reports"),
    I("cases_open", _("Open cases"), _("Cases not closed, by their current step"), DOMAIN,
      COUNT, "cases.cases_open"),
    I("cases_overdue", _("Cases with a step overdue"),
      _("Open cases whose next step was due before today"), DOMAIN, COUNT,
      "cases.cases_overdue"),
    I("time_to_closure", _("Mean time to case closure"),
      _("Mean days from opening to closure, cases closed in the last 12 months"), DOMAIN, DAYS,
      "cases.cases_closed"),
    I("referrals_completed", _("Referrals completed"),
      _("Referrals completed ÷ referrals sent (last 12 months)"), DOMAIN, SHARE,
      "referrals.referrals_completed", "referrals.referrals_sent"),
    I("time_to_completion", _("Mean time to complete a referral"),
      _("Mean days from sending to completion, referrals completed in the last 12 months"),
      DOMAIN, DAYS, "referrals.referrals_completed"),
    I("children_per_director", _("Children per child director"),
      _("Children in a policy category ÷ child directors in post"), MCA_2019, RATIO,
      "children:any", "workforce.directors"),
    I("villages_with_director", _("Villages with a child director"),
      _("Villages with at least one child director in post ÷ villages"), MCA_2019, SHARE,
      "workforce.villages_with_director", "workforce.villages"),
    I("entitled_not_receiving", _("Entitled to an allowance, not receiving it"),
      _("Children whose current category entitles them to an allowance that is not being paid"),
      DOMAIN, COUNT, "children.entitled_not_receiving"),
    I("census_affected", _("Affected by migration (census definition)"),
      _("Children 0–17 with one or both parents away half a year or more — the census "
        "definition, not the policy category"), CENSUS, COUNT,
      "children:census_affected_by_migration"),
    I("census_both_away", _("Both parents away (census definition)"),
      _("Children affected by migration with both parents away ÷ all children affected by "
        "migration (census definition)"), CENSUS, SHARE, "children:census_both_parents_away",
      "children:census_affected_by_migration"),
    I("census_migrant", _("Migrant children (census definition)"),
      _("Children whose hukou is registered in another township"), CENSUS, COUNT,
      "children:census_migrant"),
]
BY_CODE = {indicator.code: indicator for indicator in INDICATORS}

# Monthly trends: the event measures shown month by month.
TRENDS = [("visits.visits", _("Visits")), ("reports.reports", _("Reports filed")),
          ("reports.reports_ack_in_time", _("Acknowledged within the deadline")),
          ("cases.cases_opened", _("Cases opened")), ("cases.cases_closed", _("Cases closed")),
          ("referrals.referrals_sent", _("Referrals sent")),
          ("referrals.referrals_completed", _("Referrals completed"))]

# Families whose cells are staff and places, not children: shown without suppression.
NOT_ABOUT_CHILDREN = ("workforce.directors", "workforce.villages",
                      "workforce.villages_with_director")
