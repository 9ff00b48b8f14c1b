from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = "Exercise library, plans and handouts"

    def ready(self):
        # The patient's records this app holds join the patient's export, anonymisation and erasure.
        from clinic import data_rights
        from plans import data_rights as plans_data_rights

        data_rights.register("plans", plans_data_rights)
        # Its sections of the clinic's pages (clinic.page_sections).
        from plans import pages

        pages.register()
        # Celery finds each app's top-level tasks module; the print tasks live in the handouts package.
        from plans.handouts import tasks  # noqa: F401
