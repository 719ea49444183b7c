from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "everychild.reports"
    label = "reports"
    verbose_name = _("Mandatory reporting")
    default_auto_field = "django.db.models.BigAutoField"
