from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = "Surveys"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .preferences import staff_language_on_login

        user_logged_in.connect(staff_language_on_login, dispatch_uid="staff_language_on_login")
