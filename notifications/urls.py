from django.urls import path

from . import views

urlpatterns = [
    path("notifications/", views.inbox, name="notification-inbox"),
    path("notifications/count/", views.nav_count, name="notification-count"),
    path("notifications/read/", views.notification_read_all, name="notification-read-all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification-read"),
    path("notifications/webhooks/", views.webhook_list, name="webhook-list"),
    path("notifications/webhooks/<int:pk>/", views.webhook_detail, name="webhook-detail"),
    path(
        "notifications/webhooks/<int:pk>/<str:action>/",
        views.webhook_action,
        name="webhook-action",
    ),
    path("cases/follow/", views.case_follow_bulk, name="case-follow-bulk"),
    path("cases/<int:pk>/follow/", views.case_follow, name="case-follow"),
]
