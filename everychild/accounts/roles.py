"""The roles everychild starts with. Roles are rows in the database (accounts.Role); this table
only seeds them, and seeding never overwrites a role an administrator has edited."""

from typing import NamedTuple


class Capability:
    """Names of what a post may do. Rules about *where* live in everychild.access."""

    CHILD_VIEW = "child.view"
    CHILD_EDIT = "child.edit"
    CHILD_SCHOOL = "child.school"  # the child's school records (need-to-know: not the police)
    CHILD_TRANSFER = "child.transfer"  # propose, accept or decline a child's move between counties
    VISIT_RECORD = "visit.record"
    VISIT_SUPERVISE = "visit.supervise"
    REPORT_CREATE = "report.create"
    REPORT_RECEIVE = "report.receive"
    REPORT_INTERVIEW = "report.interview"  # the one-stop joint interview and its services
    ROUTING_MANAGE = "routing.manage"  # the routing table of receiving units
    CASE_MANAGE = "case.manage"
    CASE_APPROVE = "case.approve"
    REFERRAL_RESPOND = "referral.respond"
    SERVICES_MANAGE = "services.manage"  # the service directory
    BENEFIT_RECORD = "benefit.record"  # allowances and subsidies of a child
    INSIGHTS_VIEW = "insights.view"
    AUDIT_VIEW = "audit.view"
    DIVISIONS_EDIT = "divisions.edit"
    USERS_MANAGE = "users.manage"
    TOKENS_ISSUE = "tokens.issue"


C = Capability


class RoleSeed(NamedTuple):
    code: str
    name_zh: str
    name_en: str
    sees_identities: bool
    capabilities: tuple[str, ...]
    level: str  # the level its posts are usually held at (demo users, forms)


ROLE_SEEDS: tuple[RoleSeed, ...] = (
    RoleSeed("child_director", "儿童主任", "Village child director", True,
             (C.CHILD_VIEW, C.CHILD_EDIT, C.CHILD_SCHOOL, C.VISIT_RECORD, C.REPORT_CREATE,
              C.CASE_MANAGE, C.INSIGHTS_VIEW), "village"),
    RoleSeed("child_supervisor", "儿童督导员", "Township child supervisor", True,
             (C.CHILD_VIEW, C.CHILD_EDIT, C.CHILD_SCHOOL, C.VISIT_RECORD, C.VISIT_SUPERVISE,
              C.REPORT_CREATE, C.CASE_MANAGE, C.CASE_APPROVE, C.BENEFIT_RECORD, C.INSIGHTS_VIEW),
             "township"),
    RoleSeed("civil_affairs_officer", "县民政干部", "County civil-affairs officer", True,
             (C.CHILD_VIEW, C.CHILD_EDIT, C.CHILD_SCHOOL, C.VISIT_SUPERVISE, C.REPORT_CREATE,
              C.REPORT_RECEIVE,
              C.CASE_MANAGE, C.CASE_APPROVE, C.SERVICES_MANAGE, C.BENEFIT_RECORD,
              C.CHILD_TRANSFER, C.INSIGHTS_VIEW, C.DIVISIONS_EDIT), "county"),
    RoleSeed("social_worker", "社会工作者", "Social worker", True,
             (C.CHILD_VIEW, C.CHILD_SCHOOL, C.VISIT_RECORD, C.REPORT_CREATE, C.CASE_MANAGE),
             "county"),
    RoleSeed("hotline_operator", "热线接线员", "Hotline operator", True,
             (C.REPORT_CREATE,), "county"),
    RoleSeed("county_analyst", "县级数据分析员", "County analyst", False,
             (C.INSIGHTS_VIEW,), "county"),
    RoleSeed("provincial_analyst", "省级数据分析员", "Provincial analyst", False,
             (C.INSIGHTS_VIEW,), "province"),
    RoleSeed("national_analyst", "国家级数据分析员", "National analyst", False,
             (C.INSIGHTS_VIEW,), "nation"),
    RoleSeed("one_stop_staff", "一站式中心工作人员", "One-stop centre staff", True,
             (C.CHILD_VIEW, C.REPORT_RECEIVE, C.REPORT_INTERVIEW, C.CASE_MANAGE), "county"),
    RoleSeed("police_officer", "公安民警", "Police officer", True,
             (C.CHILD_VIEW, C.REPORT_CREATE, C.REPORT_RECEIVE, C.REPORT_INTERVIEW), "county"),
    RoleSeed("procurator", "检察官", "Procurator", True,
             (C.CHILD_VIEW, C.REPORT_RECEIVE, C.REPORT_INTERVIEW), "county"),
    RoleSeed("reporter_school", "强制报告责任人（学校）", "Mandated reporter (school)", False,
             (C.REPORT_CREATE,), "township"),
    RoleSeed("reporter_clinic", "强制报告责任人（医疗机构）", "Mandated reporter (clinic)", False,
             (C.REPORT_CREATE,), "township"),
    RoleSeed("reporter_village_committee", "强制报告责任人（村委会）",
             "Mandated reporter (village committee)", False, (C.REPORT_CREATE,), "village"),
    RoleSeed("service_provider", "服务机构工作人员", "Service-provider staff", False,
             (C.REFERRAL_RESPOND,), "county"),
    RoleSeed("system_admin", "系统管理员", "System administrator", False,
             (C.AUDIT_VIEW, C.USERS_MANAGE, C.TOKENS_ISSUE, C.DIVISIONS_EDIT, C.ROUTING_MANAGE),
             "county"),
)


def seed_roles(role_model) -> int:
    """Create the seeded roles that do not exist yet; return how many were created."""
    created = 0
    for order, seed in enumerate(ROLE_SEEDS):
        _, was_created = role_model.objects.get_or_create(
            code=seed.code,
            defaults={
                "name_zh": seed.name_zh,
                "name_en": seed.name_en,
                "sees_identities": seed.sees_identities,
                "capabilities": list(seed.capabilities),
                "sort_order": order,
            },
        )
        created += was_created
    return created


def add_capabilities(role_model, capability: str, role_codes: tuple[str, ...]) -> int:
    """Give ``capability`` to the seeded roles ``role_codes`` that lack it (a migration adding a
    capability to databases seeded before it existed); returns how many roles changed."""
    changed = 0
    for role in role_model.objects.filter(code__in=role_codes):
        if capability not in (role.capabilities or []):
            role.capabilities = [*(role.capabilities or []), capability]
            role.save(update_fields=["capabilities"])
            changed += 1
    return changed
