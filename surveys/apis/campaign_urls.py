"""Values, questions, the organization file, campaigns, waves and invitations."""

from django.urls import path

from . import campaigns, values

urlpatterns = [
    path("values/", values.ValueListApi.as_view(), name="api_values"),
    path("values/<slug:code>/", values.ValueDetailApi.as_view(), name="api_value"),
    path("questions/", values.QuestionListApi.as_view(), name="api_questions"),
    path("questions/<slug:code>/", values.QuestionDetailApi.as_view(), name="api_question"),
    path("definition/", values.DefinitionApi.as_view(), name="api_definition"),
    path("question-bank/", values.QuestionBankApi.as_view(), name="api_question_bank"),
    path(
        "question-bank/adopt/",
        values.QuestionBankAdoptApi.as_view(),
        name="api_question_bank_adopt",
    ),
    path("campaigns/", campaigns.CampaignListApi.as_view(), name="api_campaigns"),
    path(
        "campaigns/<int:campaign_id>/",
        campaigns.CampaignDetailApi.as_view(),
        name="api_campaign",
    ),
    path(
        "campaigns/<int:campaign_id>/launch/",
        campaigns.CampaignLaunchApi.as_view(),
        name="api_campaign_launch",
    ),
    path("waves/", campaigns.WaveListApi.as_view(), name="api_waves"),
    path("waves/<int:wave_id>/", campaigns.WaveDetailApi.as_view(), name="api_wave"),
    path("waves/<int:wave_id>/close/", campaigns.WaveCloseApi.as_view(), name="api_wave_close"),
    path(
        "waves/<int:wave_id>/response-rates/",
        campaigns.WaveResponseRatesApi.as_view(),
        name="api_wave_response_rates",
    ),
    path(
        "waves/<int:wave_id>/reminders/",
        campaigns.WaveRemindersApi.as_view(),
        name="api_wave_reminders",
    ),
    path(
        "waves/<int:wave_id>/invitations/",
        campaigns.WaveInvitationsApi.as_view(),
        name="api_wave_invitations",
    ),
]
