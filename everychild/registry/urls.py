"""Registry pages (children: list, search, register, profile)."""

from django.urls import path

from everychild.registry import views

urlpatterns = [
    path("", views.child_list, name="child_list"),
    path("new/", views.child_register, name="child_new"),
    path("new/destination/", views.child_new_destination, name="child_new_destination"),
    path("<uuid:child_id>/", views.child_detail, name="child_detail"),
    path("<uuid:child_id>/edit/", views.child_edit, name="child_edit"),
    path("<uuid:child_id>/situations/new/", views.child_add_situation, name="child_add_situation"),
    path("<uuid:child_id>/consents/", views.child_consents, name="child_consents"),
    path("<uuid:child_id>/incapacity/", views.child_confirm_incapacity, name="child_confirm_incapacity"),
    path("<uuid:child_id>/photo/", views.child_photo, name="child_photo"),
    path("<uuid:child_id>/photo/upload/", views.child_photo_upload, name="child_photo_upload"),
    path("consents/<uuid:consent_id>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
]
