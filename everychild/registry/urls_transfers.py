"""Transfer pages (a child moving to another county), under /children/."""

urlpatterns: list = []
