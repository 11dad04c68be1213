"""JSON API. Survey endpoints authenticate by survey token only and set no cookie."""

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
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
from ..services.responses import response_accept

TOKEN_HEADER = "X-Survey-Token"  # noqa: S105 (a header name)


SurveyJSONParser = SafeJSONParser  # the survey endpoints were the first to need it


def token_error(exc: InvalidToken) -> Response:
    return Response({"detail": exc.message}, status=status.HTTP_404_NOT_FOUND)


class SurveyQuestionSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()
    type = serializers.CharField()
    perspective = serializers.CharField()
    value = serializers.CharField(allow_null=True, source="value.name", default=None)
    min = serializers.IntegerField(allow_null=True)
    max = serializers.IntegerField(allow_null=True)
    choices = serializers.ListField(child=serializers.CharField())


class SurveyDefinitionSerializer(serializers.Serializer):
    organization = serializers.CharField()
    campaign = serializers.CharField()
    kind = serializers.ChoiceField(choices=CampaignKind.choices)
    intro = serializers.CharField(allow_blank=True)
    min_group_size = serializers.IntegerField()
    kept_attributes = serializers.ListField(child=serializers.CharField())
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
            )
        ],
        responses={200: OutputSerializer, 404: OpenApiResponse(ErrorSerializer)},
        auth=[],
    )
    def get(self, request: Request) -> Response:
        try:
            invitation = invitation_get_by_token(token=request.headers.get(TOKEN_HEADER, ""))
        except InvalidToken as exc:
            return token_error(exc)
        campaign = invitation.wave.campaign
        questions = []
        for question in campaign_questions(campaign=campaign, wave=invitation.wave):
            low, high = question.answer_range or (None, None)
            questions.append(
                {
                    "code": question.code,
                    "text": question.text,
                    "type": question.type,
                    "perspective": question.perspective,
                    "value": question.value.name if question.value else None,
                    "min": low,
                    "max": high,
                    "choices": list(question.choices),
                }
            )
        data: dict[str, Any] = {
            "organization": campaign.organization.name,
            "campaign": campaign.name,
            "kind": campaign.kind,
            "intro": campaign.intro,
            "min_group_size": campaign.min_group_size,
            "kept_attributes": [str(SegmentAttribute(a).label) for a in campaign.kept_attributes],
            "questions": questions,
        }
        return Response(data)


class SurveySubmissionSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=128)
    answers = serializers.DictField(
        help_text="Answers keyed by question code: a whole number for rated questions, "
        "text for free-text and single-choice questions. Leave a question out to skip it."
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
        try:
            data = request.data
        except RequestDataTooBig:  # Django's own answer would be an HTML page
            megabytes = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
            detail = f"The submission is too large (over {megabytes} MB); nothing was stored."
            return Response({"detail": detail}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        serializer = self.InputSerializer(data=data)
        if not serializer.is_valid():
            return Response(
                {
                    "detail": "The submission is malformed.",
                    "errors": {k: " ".join(map(str, v)) for k, v in serializer.errors.items()},
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            response_accept(
                token=serializer.validated_data["token"],
                answers=serializer.validated_data["answers"],
            )
        except InvalidToken as exc:
            return token_error(exc)
        except AnswersInvalid as exc:
            return Response(
                {"detail": "Some answers are not valid; nothing was stored.", "errors": exc.errors},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(
            {"detail": "Thank you. Your answers are stored anonymously."},
            status=status.HTTP_201_CREATED,
        )
