from django.urls import path

from .views import annotations, attachments, cases, items, lists, search, shares, subjects

urlpatterns = [
    path("", lists.home, name="home"),
    path("cases/", lists.case_list, name="case-list"),
    path("cases/new/", cases.case_create, name="case-create"),
    path("cases/<int:pk>/", cases.case_detail, name="case-detail"),
    path("cases/<int:pk>/edit/", cases.case_edit, name="case-edit"),
    path("cases/<int:pk>/annotate/", annotations.annotate, {"kind": "case"}, name="case-annotate"),
    path("cases/<int:pk>/annotations/", annotations.annotations_earlier, {"kind": "case"},
         name="case-annotations"),
    path("cases/<int:pk>/timeline/", cases.case_timeline_earlier, name="case-timeline"),
    path("cases/<int:pk>/share/", shares.share_dialog, {"kind": "case"}, name="case-share"),
    path("cases/<int:pk>/attachments/", attachments.attach, {"kind": "case"}, name="case-attach"),
    path("cases/<int:pk>/subjects/", subjects.subject_add, {"kind": "case"}, name="case-subject"),
    path("cases/<int:pk>/jurisdictions/", cases.case_jurisdiction_add, name="case-jurisdiction"),
    path(
        "cases/<int:pk>/jurisdictions/<int:jurisdiction_pk>/remove/",
        cases.case_jurisdiction_remove,
        name="case-jurisdiction-remove",
    ),
    path("intel/", lists.item_list, name="item-list"),
    path("intel/new/", items.item_create, name="item-create"),
    path("intel/<int:pk>/", items.item_detail, name="item-detail"),
    path("intel/<int:pk>/edit/", items.item_edit, name="item-edit"),
    path("intel/<int:pk>/annotate/", annotations.annotate, {"kind": "item"}, name="item-annotate"),
    path("intel/<int:pk>/annotations/", annotations.annotations_earlier, {"kind": "item"},
         name="item-annotations"),
    path("intel/<int:pk>/share/", shares.share_dialog, {"kind": "item"}, name="item-share"),
    path("intel/<int:pk>/attachments/", attachments.attach, {"kind": "item"}, name="item-attach"),
    path("intel/<int:pk>/subjects/", subjects.subject_add, {"kind": "item"}, name="item-subject"),
    path("annotations/<int:pk>/", annotations.annotation_show, name="annotation-show"),
    path("annotations/<int:pk>/edit/", annotations.annotation_edit, name="annotation-edit"),
    path("attachments/<int:pk>/download/", attachments.attachment_download, name="attachment-download"),
    path("shares/<int:share_pk>/withdraw/", shares.share_withdraw, name="share-withdraw"),
    path("search/", search.search, name="search"),
]
