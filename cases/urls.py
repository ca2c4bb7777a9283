from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("cases/<int:pk>/", views.case_detail, name="case-detail"),
    path("cases/<int:pk>/edit/", views.case_edit, name="case-edit"),
    path("cases/<int:pk>/annotate/", views.case_annotate, name="case-annotate"),
    path("cases/<int:pk>/share/", views.case_share, name="case-share"),
]
