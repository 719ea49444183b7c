"""Case-management pages."""

app_name = "cases"

urlpatterns: list = []
