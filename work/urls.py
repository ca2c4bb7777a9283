from django.urls import path

from . import views

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
]
