from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Patient portal"

    def ready(self):
        # The patient's records this app holds join the patient's export, anonymisation and erasure.
        from clinic import data_rights
        from portal import data_rights as portal_data_rights

        data_rights.register("portal", portal_data_rights)
        # Its sections of the clinic's pages (clinic.page_sections).
        from portal import pages

        pages.register()
        # The patient is told when a physiotherapist issues or changes their plan.
        from plans.signals import plan_revised
        from portal import notices

        plan_revised.connect(notices.plan_notice, dispatch_uid="portal.plan_notice")
