from django.urls import path

from . import tip_views, views

urlpatterns = [
    path("rfis/", views.rfi_list, name="rfi-list"),
    path("rfis/<int:pk>/", views.rfi_card, name="rfi-detail"),
    path("rfis/<int:pk>/address/", views.rfi_address, name="rfi-address"),
    path("rfis/<int:pk>/<slug:rfi_action>/", views.rfi_action, name="rfi-action"),
    path("tips/", tip_views.tip_queue, name="tip-queue"),
    path("tips/new/", tip_views.tip_new, name="tip-new"),
    path("tips/new/subjects/", tip_views.tip_subjects, name="tip-subjects"),
    path("tips/assign/", tip_views.tip_bulk_assign, name="tip-bulk-assign"),
    path("tips/centers/<int:center_id>/", tip_views.tip_center_queue, name="tip-center-queue"),
    path("tips/centers/<int:center_id>/deadline/", tip_views.tip_deadline, name="tip-deadline"),
    path("tips/<int:pk>/", tip_views.tip_detail, name="tip-detail"),
    path("tips/<int:pk>/<slug:tip_action>/", tip_views.tip_action, name="tip-action"),
]
