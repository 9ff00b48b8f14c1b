"""What every page shows a signed-in patient in its navigation: how many messages from the clinic wait for them."""

from django.utils.functional import SimpleLazyObject

from portal.selectors import unread_by_patient_count


def unread_messages(request):
    """`portal_unread_messages` for a signed-in patient, counted only when a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.staff_member is not None:
        return {}
    patient = user.patient_record
    if patient is None:
        return {}
    return {"portal_unread_messages": SimpleLazyObject(lambda: unread_by_patient_count(patient))}
