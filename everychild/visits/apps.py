from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "everychild.visits"
    label = "visits"
    verbose_name = _("Monitoring and visits")
    default_auto_field = "django.db.models.BigAutoField"
