"""Registry bulk pages (import templates, imports with correction files, exports)."""

urlpatterns: list = []
