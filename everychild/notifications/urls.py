"""Notification pages."""

from django.urls import path

from everychild.notifications import views

urlpatterns = [
    path("", views.inbox, name="notification_inbox"),
    path("read/", views.mark_all_read, name="notification_mark_all_read"),
    path("<uuid:notification_id>/", views.open_notification, name="notification_open"),
]
