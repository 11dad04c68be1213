"""The surveys' endpoints of the API. The project's URL configuration mounts them under
/api/v1/ next to the reports' (culturesurvey/urls.py)."""

from django.urls import include, path

from .apis import organizations as org
from .apis import survey as survey_apis

organization_urls = [
    path("", org.OrganizationDetailApi.as_view(), name="api_organization"),
    path("departments/", org.DepartmentListApi.as_view(), name="api_departments"),
    path(
        "departments/<int:department_id>/",
        org.DepartmentDetailApi.as_view(),
        name="api_department",
    ),
    path("employees/", org.EmployeeListApi.as_view(), name="api_employees"),
    path("employees/bulk/", org.EmployeeBulkApi.as_view(), name="api_employees_bulk"),
    path("employees/<int:employee_id>/", org.EmployeeDetailApi.as_view(), name="api_employee"),
    path(
        "employees/<int:employee_id>/leaver/",
        org.EmployeeLeaverApi.as_view(),
        name="api_employee_leaver",
    ),
    path("tokens/", org.TokenListApi.as_view(), name="api_tokens"),
    path("tokens/<int:token_id>/", org.TokenDetailApi.as_view(), name="api_token"),
    path("", include("surveys.apis.campaign_urls")),
]

# The employees' endpoints; the project's URL configuration puts them first, so survey day's
# requests resolve after a handful of pattern checks rather than the whole API's.
survey_urlpatterns = [
    path("v1/survey/", survey_apis.SurveyDefinitionApi.as_view(), name="api_survey"),
    path("v1/survey/responses/", survey_apis.SurveySubmitApi.as_view(), name="api_survey_submit"),
]

urlpatterns = [
    path("v1/organizations/", org.OrganizationListApi.as_view(), name="api_organizations"),
]
