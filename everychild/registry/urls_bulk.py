"""Registry bulk pages (import templates, imports with correction files, exports)."""

from django.urls import path

from everychild.registry import views_bulk

app_name = "registry_bulk"

urlpatterns = [
    path("", views_bulk.import_page, name="import"),
    path("template.xlsx", views_bulk.template_download, {"kind": "xlsx"}, name="template_xlsx"),
    path("template.csv", views_bulk.template_download, {"kind": "csv"}, name="template_csv"),
    path("imports/<str:job_id>/", views_bulk.job_detail, name="job"),
    path("imports/<str:job_id>/status/", views_bulk.job_status, name="job_status"),
    path("imports/<str:job_id>/rows/", views_bulk.settle_rows, name="settle_rows"),
    path("imports/<str:job_id>/corrections.xlsx", views_bulk.corrections, name="corrections"),
    path("export/", views_bulk.export_page, name="export"),
]
