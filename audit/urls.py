from django.urls import path

from . import views

center = "manage/centers/<int:center_id>/"

urlpatterns = [
    path(center + "log/", views.center_access_log, name="center-access-log"),
    path(center + "log.csv", views.center_access_log_csv, name="center-access-log-csv"),
]
