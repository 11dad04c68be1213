"""An organization's whole export: what each app holds about it, as JSON files in one ZIP."""

import io
import json
import zipfile

from django.core.serializers.json import DjangoJSONEncoder

from analytics.services import organization_export_files as reporting_files
from surveys.models import Organization
from surveys.services.retention import organization_export_files as survey_files


def organization_export(*, organization: Organization) -> bytes:
    """Everything the organization holds: its definition, roster, campaigns and waves,
    invitations (who was asked and whether they answered), the anonymous responses, report
    snapshots, actions and the access log."""
    files = survey_files(organization=organization) | reporting_files(organization=organization)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(
                f"{organization.slug}/{name}",
                json.dumps(content, cls=DjangoJSONEncoder, indent=1, ensure_ascii=False),
            )
    return buffer.getvalue()
