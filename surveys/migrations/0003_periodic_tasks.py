"""The product's global beat schedules: the daily automation, the reminders, the outbox.

Data only, and safe to run again: an existing schedule (perhaps retimed by an operator in the
admin) is left as it is. Each campaign's recurring waves get their own schedule from
surveys.services.automation.campaign_schedule_set, not from here.
"""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

EVERY_DAY = "*"

SCHEDULES = [
    (
        "culturesurvey: daily automation",
        "surveys.daily_automation",
        {"minute": "0", "hour": "6", "day_of_week": EVERY_DAY},
        "Closes waves past their closing date and invites new hires to onboarding surveys.",
    ),
    (
        "culturesurvey: reminders",
        "surveys.send_due_reminders",
        # Every day: the service itself skips each organization's own weekend, which a
        # Monday-to-Friday schedule in the server's time zone could not.
        {"minute": "0", "hour": "9", "day_of_week": EVERY_DAY},
        "Reminds those who have not answered an open wave, on its reminder days.",
    ),
    (
        "culturesurvey: outbox",
        "surveys.outbox_flush",
        {"minute": "*", "hour": "*", "day_of_week": EVERY_DAY},
        "Hands over background work recorded while the broker was down.",
    ),
]


def _crontab_fields(when):
    return when | {"day_of_month": "*", "month_of_year": "*", "timezone": settings.TIME_ZONE}


def create_schedules(apps, schema_editor):
    db = schema_editor.connection.alias
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for name, task, when, description in SCHEDULES:
        fields = _crontab_fields(when)
        # Not get_or_create: the admin allows identical crontabs, and any one of them will do.
        crontab = CrontabSchedule.objects.using(db).filter(**fields).order_by("pk").first()
        if crontab is None:
            crontab = CrontabSchedule.objects.using(db).create(**fields)
        PeriodicTask.objects.using(db).get_or_create(
            name=name, defaults={"task": task, "crontab": crontab, "description": description}
        )
    # Historical models send no signals, so tell a running beat its schedule changed.
    PeriodicTasks.objects.using(db).update_or_create(
        ident=1, defaults={"last_update": timezone.now()}
    )


def delete_schedules(apps, schema_editor):
    db = schema_editor.connection.alias
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTask.objects.using(db).filter(name__in=[s[0] for s in SCHEDULES]).delete()
    # A crontab is deleted only when nothing else uses it: deleting one cascades to its tasks.
    for _name, _task, when, _description in SCHEDULES:
        CrontabSchedule.objects.using(db).filter(
            **_crontab_fields(when), periodictask__isnull=True
        ).delete()
    PeriodicTasks.objects.using(db).update_or_create(
        ident=1, defaults={"last_update": timezone.now()}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0002_campaign_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(create_schedules, delete_schedules),
    ]
