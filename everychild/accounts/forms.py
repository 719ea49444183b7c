from django import forms
from django.utils.translation import gettext_lazy as _

from everychild.accounts.models import Role
from everychild.places.validators import validate_division_code


class NewUserForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    full_name = forms.CharField(label=_("full name"), max_length=100)
    phone = forms.CharField(label=_("phone"), max_length=20, required=False)
    role = forms.ModelChoiceField(label=_("role"), queryset=Role.objects.all())
    division_code = forms.CharField(label=_("jurisdiction (12-digit division code)"),
                                    max_length=12, validators=[validate_division_code])
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput,
                               strip=False)
