from django.urls import path

from gridgov.ledgers import views

app_name = "ledgers"
urlpatterns = [
    path("", views.ledger, name="index"),
    path("exports/<int:pk>/", views.export_detail, name="export_detail"),
    path("exports/<int:pk>/progress/", views.export_progress, name="export_progress"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
    path("<slug:kind>/", views.ledger, name="ledger"),
    path("<slug:kind>/export/", views.export, name="export"),
]
