from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "everychild.services"
    label = "services"
    verbose_name = _("Services, referrals and benefits")
    default_auto_field = "django.db.models.BigAutoField"
