from django.urls import path

from gridgov.matters import views

app_name = "matters"
urlpatterns = [
    path("", views.matter_list, name="list"),
    path("queue/", views.work_queue, name="queue"),
    path("new/", views.matter_create, name="create"),
    path("new/categories/", views.category_options, name="category_options"),
    path("new/extra/", views.extra_fields, name="extra_fields"),
    path("quick/", views.quick_report, name="quick_report"),
    path("<int:pk>/", views.matter_detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", views.act, name="act"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("agreements/<int:pk>.pdf", views.agreement_pdf, name="agreement_pdf"),
]
