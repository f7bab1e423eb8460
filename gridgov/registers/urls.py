from django.urls import path

from gridgov.registers import views

app_name = "registers"
urlpatterns = [
    path("", views.upload, name="upload"),
    path("template/", views.blank_template, name="template"),
    path("imports/", views.import_list, name="imports"),
    path("imports/<int:pk>/", views.import_detail, name="detail"),
    path("imports/<int:pk>/progress/", views.import_progress, name="progress"),
    path("imports/<int:pk>/errors/", views.error_workbook, name="errors"),
    path("export/", views.export, name="export"),
]
