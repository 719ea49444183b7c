"""Registry pages (children: list, search, register, profile)."""

urlpatterns: list = []
