def roles(request):
    """The signed-in user's clinic role or patient record, for navigation in every template."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    staff = user.staff_member
    return {"current_staff": staff, "current_patient": None if staff else user.patient_record}
