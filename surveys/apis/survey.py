"""JSON API. Survey endpoints authenticate by survey token only and set no cookie.

Their errors are the API's: they raise, and `core.apis.errors.exception_handler` writes the one
error body (a body too large, a malformed submission, invalid answers, an unknown token)."""

from typing import Any

from django.conf import settings
from django.utils import translation
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.apis.base import ErrorSerializer, SurveyRateThrottle
from core.apis.parsers import SafeJSONParser

from ..errors import AnswersInvalid, InvalidToken
from ..models import CampaignKind, SegmentAttribute
from ..selectors import invitation_get_by_token
from ..services.campaigns import campaign_questions
from ..services.invitations import employee_language
from ..services.responses import response_accept
from ..translations import language_codes, language_or, translated

TOKEN_HEADER = "X-Survey-Token"  # noqa: S105 (a header name)


SurveyJSONParser = SafeJSONParser  # the survey endpoints were the first to need it


def token_error(exc: InvalidToken) -> exceptions.NotFound:
    """One answer for an unknown token, a used one and a closed survey."""
    return exceptions.NotFound(exc.message)


class SurveyQuestionSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()
    type = serializers.CharField()
    perspective = serializers.CharField()
    value = serializers.CharField(allow_null=True, source="value.name", default=None)
    min = serializers.IntegerField(allow_null=True)
    max = serializers.IntegerField(allow_null=True)
    choices = serializers.ListField(
        child=serializers.CharField(),
        help_text="The values to submit (the organization's default language).",
    )
    choice_labels = serializers.ListField(
        child=serializers.CharField(), help_text="The choices as shown, in `language`."
    )
    shown_in = serializers.CharField(
        help_text="The language `text` is in: `language`, or the organization's default "
        "language where there is no translation yet."
    )


class SurveyDefinitionSerializer(serializers.Serializer):
    organization = serializers.CharField()
    campaign = serializers.CharField()
    kind = serializers.ChoiceField(choices=CampaignKind.choices)
    intro = serializers.CharField(allow_blank=True)
    min_group_size = serializers.IntegerField()
    kept_attributes = serializers.ListField(child=serializers.CharField())
    language = serializers.CharField(help_text="The language the texts are asked in.")
    languages = serializers.ListField(child=serializers.CharField())
    questions = SurveyQuestionSerializer(many=True)


class SurveyDefinitionApi(APIView):
    """The survey a token opens: its questions and what is kept with the answers."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [SurveyRateThrottle]

    OutputSerializer = SurveyDefinitionSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter(
                TOKEN_HEADER,
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="The survey token from the invitation link.",
            ),
            OpenApiParameter(
                "lang",
                str,
                OpenApiParameter.QUERY,
                required=False,
                description="en, de, fr or es; the person's language from the roster if left out.",
            ),
        ],
        responses={200: OutputSerializer, 404: OpenApiResponse(ErrorSerializer)},
        auth=[],
    )
    def get(self, request: Request) -> Response:
        try:
            invitation = invitation_get_by_token(token=request.headers.get(TOKEN_HEADER, ""))
        except InvalidToken as exc:
            raise token_error(exc) from None
        campaign = invitation.wave.campaign
        organization = campaign.organization
        default = organization.language
        language = language_or(
            request.query_params.get("lang"),
            employee_language(employee=invitation.employee, organization=organization),
        )
        questions = []
        for question in campaign_questions(campaign=campaign, wave=invitation.wave):
            low, high = question.answer_range or (None, None)
            text, shown_in = translated(question, "text", language, default)
            labels, _in = translated(question, "choices", shown_in, default)
            questions.append(
                {
                    "code": question.code,
                    "text": text,
                    "type": question.type,
                    "perspective": question.perspective,
                    "value": translated(question.value, "name", language, default)[0]
                    if question.value
                    else None,
                    "min": low,
                    "max": high,
                    "choices": list(question.choices),
                    "choice_labels": list(labels) or list(question.choices),
                    "shown_in": shown_in,
                }
            )
        with translation.override(language):
            kept = [str(SegmentAttribute(a).label) for a in campaign.kept_attributes]
        data: dict[str, Any] = {
            "organization": organization.name,
            "campaign": campaign.name,
            "kind": campaign.kind,
            "intro": translated(campaign, "intro", language, default)[0],
            "min_group_size": campaign.min_group_size,
            "kept_attributes": kept,
            "language": language,
            "languages": language_codes(),
            "questions": questions,
        }
        return Response(data)


class SurveySubmissionSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=128)
    answers = serializers.DictField(
        help_text="Answers keyed by question code: a whole number for rated questions, "
        "text for free-text and single-choice questions. Leave a question out to skip it."
    )
    language = serializers.ChoiceField(
        choices=[code for code, _name in settings.LANGUAGES],
        required=False,
        help_text="The language the survey was answered in; kept only when the campaign keeps "
        "the language attribute.",
    )


class SurveySubmittedSerializer(serializers.Serializer):
    detail = serializers.CharField()


class SurveySubmitApi(APIView):
    """Submit answers with a survey token. A token works once; nothing links the stored
    response to the token or the person."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [SurveyRateThrottle]
    parser_classes = [SurveyJSONParser]

    InputSerializer = SurveySubmissionSerializer
    OutputSerializer = SurveySubmittedSerializer

    @extend_schema(
        request=InputSerializer,
        responses={
            201: OutputSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Answers invalid; token not used."),
            404: OpenApiResponse(ErrorSerializer, description="Unknown, used or closed token."),
            413: OpenApiResponse(ErrorSerializer, description="Larger than the upload limit."),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        # A body over the upload limit raises RequestDataTooBig here: the handler's 413.
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            response_accept(
                token=serializer.validated_data["token"],
                answers=serializer.validated_data["answers"],
                language=serializer.validated_data.get("language", ""),
            )
        except InvalidToken as exc:
            raise token_error(exc) from None
        except AnswersInvalid as exc:
            raise exceptions.ValidationError(exc.errors) from None
        return Response(
            {"detail": "Thank you. Your answers are stored anonymously."},
            status=status.HTTP_201_CREATED,
        )
