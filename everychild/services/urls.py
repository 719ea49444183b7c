"""Service directory, referral and allowance pages."""

from django.urls import path

from everychild.services import views

app_name = "services"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("providers/new/", views.provider_new, name="provider_new"),
    path("providers/<uuid:provider_id>/edit/", views.provider_edit, name="provider_edit"),
    path("referrals/", views.referrals, name="referrals"),
    path("referrals/<uuid:referral_id>/", views.referral, name="referral"),
    path("referrals/<uuid:referral_id>/respond/", views.referral_respond,
         name="referral_respond"),
    path("benefits/", views.entitled, name="entitled"),
    path("benefits/<uuid:child_id>/", views.benefit, name="benefit"),
]
