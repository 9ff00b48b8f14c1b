"""Phone numbers checked and written one way, so a number typed "07700 900123" or "+44 7700 900 123" is the same
number to the duplicate check and to the search. Numbers without a country code are read as numbers of
settings.PHONE_REGION (the clinic's country)."""

import phonenumbers
from django.conf import settings

PHONE_REFUSED = "Enter a phone number, e.g. 07700 900123 (or with the country code, e.g. +44 7700 900123)."


class InvalidPhoneNumber(ValueError):
    pass


def normalise_phone(text: str) -> str:
    """The number in international format ("+44 7700 900123"); InvalidPhoneNumber when it cannot be a phone number
    (letters, too few or too many digits). Only the length is checked, so new number ranges are never refused."""
    try:
        number = phonenumbers.parse(text, settings.PHONE_REGION)
    except phonenumbers.NumberParseException as error:
        raise InvalidPhoneNumber(text) from error
    if not phonenumbers.is_possible_number(number):
        raise InvalidPhoneNumber(text)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def phone_or_none(text: str) -> str | None:
    """The number in international format when `text` is one, else None (for a search box)."""
    try:
        return normalise_phone(text)
    except InvalidPhoneNumber:
        return None
