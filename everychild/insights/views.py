"""Dashboard pages: thin views over ``insights.queries`` (the API reads the same)."""

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from everychild.access.policy import actor_for
from everychild.insights import queries
from everychild.places.models import Division
from everychild.places.queries import child_boundaries


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The dashboard of the division of the user's post."""
    return redirect("insights:dashboard", code=queries.home_division(actor_for(request)))


def _dashboard(request: HttpRequest, code: str) -> queries.Dashboard:
    category = request.GET.get("category") or queries.ANY
    try:
        dash = queries.dashboard(actor_for(request), code, category)
    except Division.DoesNotExist:
        raise Http404 from None
    if category not in {c for c, _label, _cell in queries.categories(dash.node)} | {queries.ANY}:
        raise Http404
    return dash


@require_GET
def division_dashboard(request: HttpRequest, code: str) -> HttpResponse:
    dash = _dashboard(request, code)
    charts = queries.chart_data(dash)
    return render(request, "insights/dashboard.html", {
        "dash": dash, "cards": queries.cards(dash), "categories": queries.categories(dash.node),
        "breakdowns": queries.breakdowns(dash.node, dash.category),
        "trends": queries.trends(dash), "ranking": queries.ranking(dash),
        "stages": queries.stages(dash.node), "note": queries.suppression_note(dash),
        "charts": charts, "level": queries.level_label(dash.division.level),
        "map_url": reverse("insights:boundaries", args=[dash.division.code])
        if dash.children else ""})


@require_GET
def boundaries(request: HttpRequest, code: str) -> JsonResponse:
    """The imported boundaries of the division's sub-divisions (404 when none)."""
    try:
        division = queries.division_for(actor_for(request), code)
    except Division.DoesNotExist:
        raise Http404 from None
    found = child_boundaries(division.code, division.level)
    if found is None:
        raise Http404
    return JsonResponse(found)


@require_GET
def export_csv(request: HttpRequest, code: str) -> HttpResponse:
    from everychild.insights import exports

    return exports.csv_response(request, code)


@require_GET
def report_xlsx(request: HttpRequest, code: str) -> HttpResponse:
    from everychild.insights import exports

    return exports.xlsx_response(request, code)


@require_GET
def report_pdf(request: HttpRequest, code: str) -> HttpResponse:
    from everychild.insights import exports

    return exports.pdf_response(request, code)
