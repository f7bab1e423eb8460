from django.urls import path

from gridgov.matters import views, views_taxonomy

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
    path("settings/", views_taxonomy.settings_index, name="settings"),
    path("settings/categories/", views_taxonomy.category_list, name="category_list"),
    path("settings/categories/new/", views_taxonomy.category_edit, name="category_create"),
    path("settings/categories/<int:pk>/", views_taxonomy.category_edit, name="category_edit"),
    path("settings/deadlines/", views_taxonomy.deadline_table, name="deadline_table"),
    path("settings/departments/", views_taxonomy.department_list, name="department_list"),
    path("settings/departments/new/", views_taxonomy.department_edit, name="department_create"),
    path("settings/departments/<int:pk>/", views_taxonomy.department_edit, name="department_edit"),
    path("agreements/<int:pk>.pdf", views.agreement_pdf, name="agreement_pdf"),
]
