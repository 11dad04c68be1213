"""Stored results of the gap analysis. Pages and the API read snapshots; they never compute."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from surveys.models import Organization, Round


class ReportSnapshot(models.Model):
    """The gap report of one organization and survey round, as computed from a fixed input.

    `fingerprint` is the SHA-256 of everything the numbers depend on (the method version, k,
    the questions and departments, and the ids of every response used), so the same input is
    stored once and new responses make a new snapshot.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="report_snapshots"
    )
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="report_snapshots")
    fingerprint = models.CharField(max_length=64)
    # The part of the fingerprint that decides which responses stand behind each figure
    # (selectors.report_fingerprints): a published round is recomputed only while it holds.
    data_fingerprint = models.CharField(max_length=64, blank=True)
    method_version = models.CharField(max_length=20)
    data = models.JSONField()
    # What every published cell stands for (publication.py), for the differencing audit of
    # later reports; None for a report stored before these were kept.
    cells = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    compute_seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = "created_at"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "fingerprint"], name="snapshot_once_per_input"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.round} ({self.fingerprint[:8]})"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class AnalysisJob(models.Model):
    """A request to compute (or reuse) the snapshot of a round, with its progress."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="analysis_jobs"
    )
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="analysis_jobs")
    status = models.CharField(max_length=8, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=100, blank=True)
    snapshot = models.ForeignKey(
        ReportSnapshot, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Compute a published round again (a new method version on the same answers).
    recompute = models.BooleanField(default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "round", "status"])]

    def __str__(self) -> str:
        return f"analysis of {self.round} ({self.status}, {self.progress}%)"


class AccessAction(models.TextChoices):
    VIEW_REPORT = "view_report", _("Viewed the report")
    EXPORT_PDF = "export_pdf", _("Exported PDF")
    EXPORT_CSV = "export_csv", _("Exported CSV")
    EXPORT_XLSX = "export_xlsx", _("Exported XLSX")
    API_REPORT = "api_report", _("Read the report through the API")


class AccessLog(models.Model):
    """Who viewed or exported which report, and when. HR admins and leaders can read it."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="access_log"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text so the record survives the account.
    username = models.CharField(max_length=150)
    action = models.CharField(max_length=16, choices=AccessAction.choices)
    wave = models.CharField(max_length=50, blank=True)
    snapshot = models.ForeignKey(
        ReportSnapshot, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scope = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.username} {self.action} {self.wave} at {self.created_at:%Y-%m-%d %H:%M}"


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class Action(models.Model):
    """What leadership will change about a flagged value, and whether the gap then closed."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="actions")
    value = models.ForeignKey(
        "surveys.CompanyValue", on_delete=models.CASCADE, related_name="actions"
    )
    segment = models.CharField(max_length=200, default="all")
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="actions")
    owner = models.CharField(max_length=200)
    due_on = models.DateField()
    description = models.TextField(_("what will change"))
    status = models.CharField(max_length=8, choices=ActionStatus.choices, default="open")
    # The gap when the action was recorded, to compare later rounds against.
    gap_at_start = models.FloatField(null=True, blank=True)
    classification_at_start = models.CharField(max_length=32, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"{self.value}: {self.description[:40]}"
