from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("cases/", views.case_list, name="case-list"),
    path("cases/new/", views.case_create, name="case-create"),
    path("cases/<int:pk>/", views.case_detail, name="case-detail"),
    path("cases/<int:pk>/edit/", views.case_edit, name="case-edit"),
    path("cases/<int:pk>/annotate/", views.annotate, {"kind": "case"}, name="case-annotate"),
    path("cases/<int:pk>/share/", views.share_dialog, {"kind": "case"}, name="case-share"),
    path("cases/<int:pk>/attachments/", views.attach, {"kind": "case"}, name="case-attach"),
    path("cases/<int:pk>/subjects/", views.subject_add, {"kind": "case"}, name="case-subject"),
    path("cases/<int:pk>/jurisdictions/", views.case_jurisdiction_add, name="case-jurisdiction"),
    path(
        "cases/<int:pk>/jurisdictions/<int:jurisdiction_pk>/remove/",
        views.case_jurisdiction_remove,
        name="case-jurisdiction-remove",
    ),
    path("intel/", views.item_list, name="item-list"),
    path("intel/new/", views.item_create, name="item-create"),
    path("intel/<int:pk>/", views.item_detail, name="item-detail"),
    path("intel/<int:pk>/edit/", views.item_edit, name="item-edit"),
    path("intel/<int:pk>/annotate/", views.annotate, {"kind": "item"}, name="item-annotate"),
    path("intel/<int:pk>/share/", views.share_dialog, {"kind": "item"}, name="item-share"),
    path("intel/<int:pk>/attachments/", views.attach, {"kind": "item"}, name="item-attach"),
    path("intel/<int:pk>/subjects/", views.subject_add, {"kind": "item"}, name="item-subject"),
    path("annotations/<int:pk>/", views.annotation_show, name="annotation-show"),
    path("annotations/<int:pk>/edit/", views.annotation_edit, name="annotation-edit"),
    path("attachments/<int:pk>/download/", views.attachment_download, name="attachment-download"),
    path("shares/<int:share_pk>/withdraw/", views.share_withdraw, name="share-withdraw"),
    path("search/", views.search, name="search"),
]
