from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = "Fusion centers and agencies"

    def ready(self):
        # Log-on, log-off and refused log-on reach the access log, and a sign-in starts the
        # session limits' clock, and a log-in with a verified device marks the second factor
        # (auth signal receivers, which Django documents connecting here).
        from . import mfa, sessions, signins  # noqa: F401
