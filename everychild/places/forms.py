from django import forms
from django.utils.translation import gettext_lazy as _

from everychild.places.models import UrbanRural


class UrbanRuralForm(forms.Form):
    urban_rural = forms.ChoiceField(
        label=_("urban-rural classification"),
        choices=[("", _("unknown"))] + list(UrbanRural.choices), required=False,
    )
    reason = forms.CharField(label=_("reason"), max_length=500, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))
