"""Dashboards and exports of the insights."""

from django.urls import path

from everychild.insights import views

app_name = "insights"

urlpatterns = [
    path("", views.home, name="home"),
    path("<str:code>/", views.division_dashboard, name="dashboard"),
    path("<str:code>/map.geojson", views.boundaries, name="boundaries"),
    path("<str:code>/export.csv", views.export_csv, name="export_csv"),
    path("<str:code>/report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("<str:code>/report.pdf", views.report_pdf, name="report_pdf"),
]
