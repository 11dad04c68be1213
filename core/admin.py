from django.contrib import admin, messages

from .models import OutboxMessage
from .outbox import outbox_retry


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("pending", "pending"), ("dead", "dead letter"), ("sent", "sent")]

    def queryset(self, request, queryset):
        if self.value() == "pending":
            return queryset.filter(sent_at__isnull=True, failed_at__isnull=True)
        if self.value() == "dead":
            return queryset.filter(sent_at__isnull=True, failed_at__isnull=False)
        if self.value() == "sent":
            return queryset.filter(sent_at__isnull=False)
        return queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Background work waiting for the broker, and the dead letters set aside after repeated
    failures, with their last error. Read-only except for giving dead letters another go."""

    list_display = ["id", "task", "created_at", "sent_at", "failed_at", "attempts", "last_error"]
    list_filter = [StateFilter]
    search_fields = ["task", "last_error"]
    readonly_fields = [*list_display, "args"]
    actions = ["retry"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Retry the selected dead letters")
    def retry(self, request, queryset) -> None:
        retried = outbox_retry(ids=queryset.values_list("pk", flat=True))
        self.message_user(request, f"{retried} dead letter(s) back in the queue.", messages.SUCCESS)
