"""Transfer pages (a child moving to another county), under /children/."""

from django.urls import path

from everychild.registry import views_transfers as views

urlpatterns = [
    path("<uuid:child_id>/transfer/", views.transfer_propose, name="transfer_propose"),
    path("transfers/", views.transfer_list, name="transfer_list"),
    path("transfers/<uuid:transfer_id>/accept/", views.transfer_accept, name="transfer_accept"),
    path("transfers/<uuid:transfer_id>/decline/", views.transfer_decline,
         name="transfer_decline"),
    path("transfers/<uuid:transfer_id>/cancel/", views.transfer_cancel, name="transfer_cancel"),
]
