from .selectors import memberships_for_user


def memberships(request):
    """The organizations the signed-in user belongs to, for the navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_memberships": []}
    return {"user_memberships": list(memberships_for_user(user=user))}
