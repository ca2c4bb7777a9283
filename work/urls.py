from django.urls import path

from . import tip_import_views, tip_views, views

urlpatterns = [
    path("count/", views.my_work_count, name="my-work-count"),
    path("rfis/", views.rfi_list, name="rfi-list"),
    path("rfis/<int:pk>/", views.rfi_card, name="rfi-detail"),
    path("rfis/<int:pk>/address/", views.rfi_address, name="rfi-address"),
    path("rfis/<int:pk>/<slug:rfi_action>/", views.rfi_action, name="rfi-action"),
    path("referrals/", views.referral_list, name="referral-list"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral-detail"),
    path("referrals/<int:pk>/<slug:referral_action>/", views.referral_action,
         name="referral-action"),
    path("cases/<int:case_id>/refer/", views.refer_case, name="case-refer"),
    path("items/<int:item_id>/refer/", views.refer_item, name="item-refer"),
    path("tips/", tip_views.tip_queue, name="tip-queue"),
    path("tips/new/", tip_views.tip_new, name="tip-new"),
    path("tips/import/", tip_import_views.tip_import_new, name="tip-import-new"),
    path("tips/import/<int:pk>/", tip_import_views.tip_import, name="tip-import"),
    path("tips/import/<int:pk>/progress/", tip_import_views.tip_import_progress,
         name="tip-import-progress"),
    path("tips/new/subjects/", tip_views.tip_subjects, name="tip-subjects"),
    path("tips/assign/", tip_views.tip_bulk_assign, name="tip-bulk-assign"),
    path("tips/centers/<int:center_id>/", tip_views.tip_center_queue, name="tip-center-queue"),
    path("tips/centers/<int:center_id>/deadline/", tip_views.tip_deadline, name="tip-deadline"),
    path("tips/<int:pk>/", tip_views.tip_detail, name="tip-detail"),
    path("tips/<int:pk>/<slug:tip_action>/", tip_views.tip_action, name="tip-action"),
]
