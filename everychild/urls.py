"""URL wiring only."""

from django.urls import include, path

from everychild.accounts import views as accounts_views
from everychild.api import api
from everychild.audit import views as audit_views
from everychild.core import views as core_views
from everychild.places import views as places_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/setlang/", core_views.set_language, name="set_language"),
    path("accounts/post/", accounts_views.choose_post, name="choose_post"),
    path("accounts/users/", accounts_views.users, name="users"),
    path("accounts/users/posts/<str:post_id>/active/", accounts_views.post_active,
         name="post_active"),
    path("accounts/", include("allauth.urls")),
    path("places/<str:code>/", places_views.division_detail, name="division_detail"),
    path("places/<str:code>/urban-rural/", places_views.urban_rural_edit,
         name="division_urban_rural"),
    path("audit/", audit_views.event_list, name="audit_events"),
    path("notifications/", include("everychild.notifications.urls")),
    path("children/", include("everychild.registry.urls_transfers")),
    path("children/", include("everychild.registry.urls")),
    path("children/bulk/", include("everychild.registry.urls_bulk")),
    path("visits/", include("everychild.visits.urls")),
    path("reports/", include("everychild.reports.urls")),
    path("cases/", include("everychild.cases.urls")),
    path("services/", include("everychild.services.urls")),
    path("insights/", include("everychild.insights.urls")),
    path("api/v1/", api.urls),
]

handler400 = "everychild.core.errors.bad_request"
handler403 = "everychild.core.errors.permission_denied"
handler404 = "everychild.core.errors.page_not_found"
handler500 = "everychild.core.errors.server_error"
