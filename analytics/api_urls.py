"""Reports, analysis jobs, actions and the access log."""

from django.urls import path

from . import apis

urlpatterns = [
    path("reports/", apis.ReportListApi.as_view(), name="api_reports"),
    # Before reports/<wave>/, so it wins: a round cannot be read by the label "latest".
    path("reports/latest/", apis.ReportLatestApi.as_view(), name="api_report_latest"),
    path("reports/<str:wave>/", apis.ReportDetailApi.as_view(), name="api_report"),
    path("reports/<str:wave>/compute/", apis.ReportComputeApi.as_view(), name="api_report_compute"),
    path(
        "reports/<str:wave>/progress/",
        apis.ReportProgressApi.as_view(),
        name="api_report_progress",
    ),
    path("jobs/<int:job_id>/", apis.AnalysisJobDetailApi.as_view(), name="api_job"),
    path("actions/", apis.ReportActionListApi.as_view(), name="api_actions"),
    path("actions/<int:action_id>/", apis.ReportActionDetailApi.as_view(), name="api_action"),
    path("access-log/", apis.AccessLogApi.as_view(), name="api_access_log"),
]
