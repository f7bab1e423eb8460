from django.urls import path

from gridgov.stats import views, views_briefing, views_cockpit

app_name = "stats"
urlpatterns = [
    path("", views_cockpit.cockpit, name="cockpit"),
    path("figures/", views.figures, name="figures"),
    path("<str:code>/figures/", views.figures, name="place_figures"),
    # The yearly briefing (年度工作简报): the page, and its PDF and Word downloads.
    path("briefing/", views_briefing.briefing, name="my_briefing"),
    path("<str:code>/", views_cockpit.cockpit, name="cockpit_place"),
    path("<str:code>/briefing/", views_briefing.briefing, name="briefing"),
    path("<str:code>/briefing.pdf", views_briefing.briefing_pdf, name="briefing_pdf"),
    path("<str:code>/briefing.docx", views_briefing.briefing_docx, name="briefing_docx"),
]
