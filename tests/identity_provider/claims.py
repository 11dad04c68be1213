"""What the test provider says about its users: email, name, and their Django groups as the
`groups` claim. A user in the group `email-unverified` has `email_verified: false`."""

from django.utils.translation import gettext_lazy as _
from oidc_provider.lib.claims import ScopeClaims

UNVERIFIED = "email-unverified"


def userinfo(claims: dict, user) -> dict:
    claims["email"] = user.email
    claims["email_verified"] = not user.groups.filter(name=UNVERIFIED).exists()
    claims["name"] = user.get_full_name()
    claims["given_name"] = user.first_name
    claims["family_name"] = user.last_name
    return claims


class GroupClaims(ScopeClaims):
    info_groups = (_("Groups"), _("The groups you belong to."))

    def scope_groups(self) -> dict:
        return {
            "groups": sorted(
                self.user.groups.exclude(name=UNVERIFIED).values_list("name", flat=True)
            )
        }
