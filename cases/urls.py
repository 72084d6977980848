from django.urls import path

from cases import views

app_name = "cases"
urlpatterns = [
    path("manage/import/", views.directory_import, name="directory_import"),
    path("manage/import/template.xlsx", views.directory_import_template, name="directory_import_template"),
]
