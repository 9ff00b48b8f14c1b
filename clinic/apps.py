from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic"

    def ready(self):
        from clinic import accounts, checks  # noqa: F401  (registers the checks and the account signals' receivers)
