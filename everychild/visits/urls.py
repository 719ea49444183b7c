"""Monitoring pages (worklist, a child's plan, risk and visits, the visit form)."""

from django.urls import path

from everychild.visits import views

app_name = "visits"

urlpatterns = [
    path("", views.visits_home, name="home"),
    path("sw.js", views.service_worker, name="sw"),
    path("children/<uuid:child_id>/", views.child_monitoring, name="child"),
    path("children/<uuid:child_id>/record/", views.record_visit, name="record"),
    path("children/<uuid:child_id>/plan/", views.tighten_plan, name="tighten"),
    path("children/<uuid:child_id>/risk/", views.set_risk_level, name="risk"),
]
