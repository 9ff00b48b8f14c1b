"""What each role of the cast, with a colleague physiotherapist of the same clinic, gets from a physiotherapist's
page of clinical data of the cast's clinic (`tests/test_url_access.py` walks every URL; this is for the focused
view tests, which also try POSTs)."""

CLINICAL_PAGE_ROLES = [
    ("physio", 200),
    ("colleague_physio", 200),
    ("front_desk", 403),
    ("other_clinic_physio", 404),
    ("patient", 403),
    ("anonymous", 302),
]
