"""Reporting pages (the form, the inbox or a reporter's list, a report, routing, metrics)."""

from django.urls import path

from everychild.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.reports_home, name="home"),
    path("new/", views.new_report, name="new"),
    path("routing/", views.routing_table, name="routing"),
    path("routing/<uuid:entry_id>/off/", views.routing_off, name="routing_off"),
    path("metrics/", views.metrics, name="metrics"),
    path("<uuid:report_id>/", views.report_detail, name="detail"),
    path("<uuid:report_id>/act/", views.act, name="act"),
    path("<uuid:report_id>/amend/", views.amend, name="amend"),
    path("<uuid:report_id>/interview/", views.interview, name="interview"),
    path("<uuid:report_id>/services/", views.link_service, name="service"),
]
