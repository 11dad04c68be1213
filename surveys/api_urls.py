from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import apis

urlpatterns = [
    path("v1/survey/", apis.SurveyDefinitionApi.as_view(), name="api_survey"),
    path("v1/survey/responses/", apis.SurveySubmitApi.as_view(), name="api_survey_submit"),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
]
