from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from everychild.access.policy import actor_for, require
from everychild.accounts import services
from everychild.accounts.forms import NewUserForm
from everychild.accounts.queries import posts_managed_by
from everychild.accounts.roles import Capability


@require_POST
def choose_post(request: HttpRequest) -> HttpResponse:
    """Act through another of the user's posts."""
    services.choose_post(request, request.POST.get("post", ""))
    return redirect("home")


@require_http_methods(["GET", "POST"])
def users(request: HttpRequest) -> HttpResponse:
    """Administrators list the posts in their jurisdiction and create accounts."""
    actor = actor_for(request)
    require(actor, Capability.USERS_MANAGE)
    form = NewUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.create_user(
                actor, username=data["username"], full_name=data["full_name"],
                password=data["password"], role=data["role"].pk,
                division_code=data["division_code"], phone=data["phone"],
            )
            messages.success(request, _("Account created."))
            return redirect("users")
        except ValidationError as exc:
            _add_errors(form, exc)
    return render(request, "accounts/users.html", {
        "form": form, "posts": posts_managed_by(actor)[:500],
    })


@require_POST
def post_active(request: HttpRequest, post_id: str) -> HttpResponse:
    """Suspend or restore a post."""
    active = request.POST.get("active") == "1"
    try:
        services.set_post_active(actor_for(request), post_id, active, request.POST.get("reason", ""))
    except ValidationError:
        raise Http404 from None
    return redirect("users")


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)
