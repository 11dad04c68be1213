from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from surveys import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("privacy/", views.privacy, name="privacy"),
    path("healthz", views.healthz, name="healthz"),
    path("s/done/", views.survey_done, name="survey_done"),
    path("s/<str:token>/", views.survey, name="survey"),
    path("o/<slug:slug>/", views.organization, name="organization"),
    path("o/<slug:slug>/roster/", views.roster, name="roster"),
    path(
        "o/<slug:slug>/roster/<int:employee_id>/leaver/",
        views.employee_leaver,
        name="employee_leaver",
    ),
    path("o/<slug:slug>/values/", views.values, name="values"),
    path("o/<slug:slug>/values/definition.yaml", views.definition_download, name="definition"),
    path("o/<slug:slug>/values/bank/", views.bank_adopt, name="bank_adopt"),
    path("o/<slug:slug>/history/", views.history_import, name="history_import"),
    path("o/<slug:slug>/campaigns/new/", views.campaign_new, name="campaign_new"),
    path("o/<slug:slug>/campaigns/<int:campaign_id>/", views.campaign, name="campaign"),
    path(
        "o/<slug:slug>/campaigns/<int:campaign_id>/launch/",
        views.campaign_launch,
        name="campaign_launch",
    ),
    path("o/<slug:slug>/waves/<int:wave_id>/close/", views.wave_close_view, name="wave_close"),
    path("api/", include("surveys.api_urls")),
    path("admin/", admin.site.urls),
]
