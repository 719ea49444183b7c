"""Registry pages (children: list, search, register, profile)."""

from django.urls import path

from everychild.registry import views

urlpatterns = [
    path("", views.child_list, name="child_list"),
    path("new/", views.child_register, name="child_new"),
    path("new/destination/", views.child_new_destination, name="child_new_destination"),
    path("<uuid:child_id>/", views.child_detail, name="child_detail"),
]
