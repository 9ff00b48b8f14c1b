from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = "Intake and assessment"

    def ready(self):
        # The patient's records this app holds join the patient's export, anonymisation and erasure.
        from clinic import data_rights
        from intake import data_rights as intake_data_rights

        data_rights.register("intake", intake_data_rights)
        # Its sections of the clinic's pages (clinic.page_sections).
        from intake import pages

        pages.register()
