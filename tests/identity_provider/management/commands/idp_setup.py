"""Set the test provider up: its signing key, one confidential client of the product, and users.

    python -m django idp_setup --client-id ID --client-secret SECRET \
        --redirect-uri URI [--redirect-uri URI ...] --users '[{"username": ..., ...}]'

Run again to add redirect URIs or users: it updates what is there."""

import json

from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import BaseCommand
from oidc_provider.models import Client, ResponseType, RSAKey


class Command(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--client-secret", required=True)
        parser.add_argument("--redirect-uri", action="append", default=[])
        parser.add_argument("--logout-uri", action="append", default=[])
        parser.add_argument("--users", default="[]")

    def handle(self, *args, **options):
        if not RSAKey.objects.exists():
            call_command("creatersakey")
        client, _ = Client.objects.get_or_create(
            client_id=options["client_id"],
            defaults={
                "name": "culturesurvey",
                "client_type": "confidential",
                "client_secret": options["client_secret"],
                "jwt_alg": "RS256",
                "require_consent": False,
                "reuse_consent": True,
            },
        )
        client.redirect_uris = sorted(set(client.redirect_uris) | set(options["redirect_uri"]))
        client.post_logout_redirect_uris = sorted(
            set(client.post_logout_redirect_uris) | set(options["logout_uri"])
        )
        client.save()
        client.response_types.add(ResponseType.objects.get(value="code"))
        for spec in json.loads(options["users"]):
            user, _ = User.objects.get_or_create(username=spec["username"])
            user.email = spec["email"]
            user.first_name, _, user.last_name = spec.get("name", "").partition(" ")
            user.set_password(spec["password"])
            user.save()
            user.groups.set(
                [Group.objects.get_or_create(name=name)[0] for name in spec.get("groups", [])]
            )
