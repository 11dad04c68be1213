"""The product's URLs: each app's pages and API endpoints, composed here, so no app needs to
know another's URLs module."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import JsonResponse
from django.urls import include, path
from django.views.defaults import page_not_found
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from analytics import api_urls as report_api_urls
from analytics import views as reports
from surveys import api_urls as survey_api_urls
from surveys import setup_views, views, wizard

from . import rounds, sso

# One organization's API: its surveys' endpoints and its reports'.
organization_api = [
    path("", include(survey_api_urls.organization_urls)),
    path("", include(report_api_urls.urlpatterns)),
]

urlpatterns = [
    # Survey day first: every employee's answer is one of these.
    path("s/done/", views.survey_done, name="survey_done"),
    path("s/<str:token>/", views.survey, name="survey"),
    path("api/", include(survey_api_urls.survey_urlpatterns)),
    path("", views.home, name="home"),
    path("accounts/login/", sso.SignInView.as_view(), name="login"),
    path("accounts/logout/", sso.sign_out, name="logout"),
    # Single sign-on (OpenID Connect); 404 while it is not configured.
    path("accounts/sso/start/", sso.SsoStartView.as_view(), name="oidc_authentication_init"),
    path(
        "accounts/sso/callback/",
        sso.SsoCallbackView.as_view(),
        name="oidc_authentication_callback",
    ),
    path("accounts/sso/refused/", sso.sso_refused, name="sso_refused"),
    path("accounts/language/", views.language_choose, name="language_choose"),
    # Password reset by email, with Django's own views. The link in the email is built on
    # SITE_URL, never on the Host header of the request that asked for it.
    path("accounts/password-reset/", sso.password_reset_view(), name="password_reset"),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("setup/", setup_views.first_run, name="first_run"),
    path("invite/<str:token>/", setup_views.invite_accept, name="invite_accept"),
    path("privacy/", views.privacy, name="privacy"),
    path("healthz", views.healthz, name="healthz"),
    path("o/<slug:slug>/", views.organization, name="organization"),
    path("o/<slug:slug>/sign-in/", views.organization_sign_in, name="organization_sign_in"),
    path("o/<slug:slug>/roster/", views.roster, name="roster"),
    path(
        "o/<slug:slug>/roster/<int:employee_id>/leaver/",
        views.employee_leaver,
        name="employee_leaver",
    ),
    path("o/<slug:slug>/departments/", setup_views.departments, name="departments"),
    path(
        "o/<slug:slug>/departments/<int:department_id>/",
        setup_views.department_edit,
        name="department_edit",
    ),
    path(
        "o/<slug:slug>/departments/<int:department_id>/delete/",
        setup_views.department_remove,
        name="department_delete",
    ),
    path("o/<slug:slug>/people/", setup_views.people, name="people"),
    path(
        "o/<slug:slug>/people/invites/<int:invite_id>/withdraw/",
        setup_views.invite_revoke,
        name="invite_revoke",
    ),
    path(
        "o/<slug:slug>/people/<int:membership_id>/remove/",
        setup_views.member_remove,
        name="member_remove",
    ),
    path("o/<slug:slug>/values/", views.values, name="values"),
    path("o/<slug:slug>/values/definition.yaml", views.definition_download, name="definition"),
    path("o/<slug:slug>/values/new/", views.value_edit, name="value_new"),
    path("o/<slug:slug>/values/<slug:code>/edit/", views.value_edit, name="value_edit"),
    path("o/<slug:slug>/values/bank/", views.bank_adopt, name="bank_adopt"),
    path("o/<slug:slug>/history/", views.history_import, name="history_import"),
    path("o/<slug:slug>/campaigns/new/", wizard.campaign_wizard, name="campaign_wizard"),
    path(
        "o/<slug:slug>/campaigns/new/create/",
        wizard.campaign_wizard_create,
        name="campaign_wizard_create",
    ),
    path(
        "o/<slug:slug>/campaigns/new/<str:step>/",
        wizard.campaign_wizard_step,
        name="campaign_wizard_step",
    ),
    path("o/<slug:slug>/campaigns/<int:campaign_id>/", views.campaign, name="campaign"),
    path(
        "o/<slug:slug>/campaigns/<int:campaign_id>/launch/",
        views.campaign_launch,
        name="campaign_launch",
    ),
    path("o/<slug:slug>/waves/<int:wave_id>/", views.wave_detail, name="wave"),
    path("o/<slug:slug>/waves/<int:wave_id>/close/", views.wave_close_view, name="wave_close"),
    path("o/<slug:slug>/waves/<int:wave_id>/remind/", views.wave_remind, name="wave_remind"),
    path("o/<slug:slug>/rounds/<str:label>/close/", rounds.round_close_view, name="round_close"),
    path("o/<slug:slug>/report/", reports.report, name="report"),
    path("o/<slug:slug>/report/<str:wave>/", reports.report, name="report_wave"),
    path(
        "o/<slug:slug>/report/<str:wave>/export.<str:fmt>",
        reports.report_export,
        name="report_export",
    ),
    path("o/<slug:slug>/report/<str:wave>/compute/", reports.report_compute, name="report_compute"),
    path(
        "o/<slug:slug>/report/<str:wave>/progress/",
        reports.report_progress_page,
        name="report_progress",
    ),
    path("o/<slug:slug>/report/<str:wave>/actions/", reports.action_new, name="action_new"),
    path("o/<slug:slug>/actions/<int:action_id>/done/", reports.action_done, name="action_done"),
    path("o/<slug:slug>/jobs/<int:job_id>/", reports.analysis_job, name="analysis_job"),
    path("o/<slug:slug>/access-log/", reports.access_log, name="access_log"),
    path("api/", include(survey_api_urls.urlpatterns)),
    path("api/v1/organizations/<slug:slug>/", include(organization_api)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api_schema"), name="api_redoc"),
    path("admin/", admin.site.urls),
]


def handler404(request, exception):
    """The API answers in JSON even for paths no endpoint matches."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)
