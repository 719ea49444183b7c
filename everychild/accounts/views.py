from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from everychild.accounts.services import choose_post as choose_post_service


@require_POST
def choose_post(request: HttpRequest) -> HttpResponse:
    """Act through another of the user's posts."""
    choose_post_service(request, request.POST.get("post", ""))
    return redirect("home")
