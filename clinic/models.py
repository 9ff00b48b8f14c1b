from datetime import date, datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from clinic.phones import PHONE_REFUSED, InvalidPhoneNumber, normalise_phone, phone_or_none
from clinic.pictures import validate_picture


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, email):
        # E-mail addresses sign in whatever their case; they are stored lower-case and unique without case.
        return self.get(email__iexact=email)

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """Everyone signs in with an e-mail address: clinic staff, patients and administrators.

    `is_staff` keeps Django's meaning (may use the admin site); clinic roles live on `StaffMember`.
    """

    username = None
    email = models.EmailField("e-mail address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self):
        return self.get_full_name() or self.email

    def __getstate__(self):
        """Accounts kept in the page cache (a name on a page) leave their password hash behind: unpickled, the
        password is a deferred field, read from the database if ever asked for."""
        state = super().__getstate__()
        state.pop("password", None)
        return state

    @cached_property
    def staff_member(self):
        """The user's clinic membership (with its clinic), or None for patients and administrators."""
        return StaffMember.objects.select_related("clinic").filter(user_id=self.pk).first()

    @cached_property
    def patient_record(self):
        """The patient whose portal this user may use, or None."""
        return Patient.objects.select_related("clinic", "physio__user").filter(user_id=self.pk).first()


def clinic_logo_path(instance, filename):
    # The file name is a random one given when the picture was re-encoded (clinic.pictures).
    return f"clinic-logos/clinic-{instance.pk}/{filename}"


class Clinic(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    phone = models.CharField(
        max_length=40, help_text="Shown to patients with urgent advice, so it must reach a person."
    )
    email = models.EmailField(blank=True)
    address = models.TextField(blank=True)
    require_staff_2fa = models.BooleanField(
        "require two-factor sign-in for staff",
        default=False,
        help_text="Staff must set up an authenticator app before they can use any page. Patients are never forced.",
    )
    logo = models.ImageField(
        upload_to=clinic_logo_path,
        blank=True,
        validators=[validate_picture],
        help_text="Shown on patients' pages, e-mails and printed handouts (JPEG, PNG or WebP). Without one, the "
        "clinic's name stands alone.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.name

    def logo_url(self) -> str:
        """Where browsers and e-mail clients fetch the logo (its stored name in the address, so a new logo is a new
        address and the old one may be cached for long); empty without a logo."""
        if not self.logo:
            return ""
        return reverse("clinic_logo", args=[self.pk, self.logo.name.rsplit("/", 1)[-1]])


class StaffRole(models.TextChoices):
    PHYSIOTHERAPIST = "physiotherapist", "Physiotherapist"
    FRONT_DESK = "front_desk", "Front desk"


class StaffMemberQuerySet(models.QuerySet):
    def physiotherapists(self):
        return self.filter(role=StaffRole.PHYSIOTHERAPIST, user__is_active=True)


class StaffMember(models.Model):
    """A user's membership of one clinic, with the role that decides what they may see and do."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="staff")
    role = models.CharField(max_length=20, choices=StaffRole.choices)
    professional_registration = models.CharField(
        max_length=40, blank=True, help_text="For physiotherapists: registration number, printed on plans."
    )

    objects = StaffMemberQuerySet.as_manager()

    class Meta:
        ordering = ["user__last_name", "user__first_name"]

    def __str__(self):
        return str(self.user)

    @property
    def is_physio(self):
        return self.role == StaffRole.PHYSIOTHERAPIST


class SexAtBirth(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    INTERSEX = "intersex", "Intersex"
    PREFER_NOT = "prefer_not", "Prefer not to say"


class PatientStatus(models.TextChoices):
    """Where a patient is in the clinic's pathway; services move them along it."""

    NEW = "new", "New"
    INTAKE_SENT = "intake_sent", "Intake sent"
    INTAKE_RECEIVED = "intake_received", "Intake to review"
    ASSESSED = "assessed", "Assessed"
    ON_PLAN = "on_plan", "On a plan"
    REFERRED = "referred", "Referred on"
    DISCHARGED = "discharged", "Discharged"


# How a date of birth may be typed in the search box.
SEARCH_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y")
MIN_PHONE_SEARCH_DIGITS = 6


def _search_date(text: str) -> date | None:
    for pattern in SEARCH_DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


class PatientQuerySet(models.QuerySet):
    def search(self, text):
        """Patients found by what the front desk has to hand: a date of birth ("14/03/1990"), an e-mail address,
        a phone number written any way, or words of the name (each word in the first or last name)."""
        text = text.strip()
        born = _search_date(text)
        if born is not None:
            return self.filter(date_of_birth=born)
        if "@" in text:
            return self.filter(email__icontains=text)
        phone = phone_or_none(text) if sum(c.isdigit() for c in text) >= MIN_PHONE_SEARCH_DIGITS else None
        if phone is not None:
            return self.filter(phone=phone)
        queryset = self
        for word in text.split():
            queryset = queryset.filter(models.Q(first_name__icontains=word) | models.Q(last_name__icontains=word))
        return queryset


class Patient(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    date_of_birth = models.DateField()
    sex_at_birth = models.CharField(max_length=12, choices=SexAtBirth.choices)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    physio = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        related_name="patients",
        null=True,
        blank=True,
        verbose_name="treating physiotherapist",
    )
    status = models.CharField(max_length=20, choices=PatientStatus.choices, default=PatientStatus.NEW)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="patient",
        help_text="The patient's own portal account, if they have one.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    anonymised_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the record lost its identity (clinic.data_rights)."
    )
    # What waits for review, kept by the intake's services (intake.services.patients_rank_waiting_intakes): the
    # clinicians' list puts the highest rank first (0: nothing waits) with the badge of `intake_flag_level`. Kept
    # on the patient so that the list sorts on an index, as fast at twenty thousand patients as at two thousand.
    intake_rank = models.PositiveSmallIntegerField(default=0, editable=False)
    intake_flag_level = models.CharField(max_length=20, blank=True, editable=False)
    # Messages from the patient the clinic's staff have not read, kept by the portal's services
    # (portal.services.patients_count_unread_messages): next on the clinicians' list after what waits for review,
    # and kept here for the same reason.
    unread_messages = models.PositiveIntegerField(default=0, editable=False)

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "pk"]
        indexes = [
            models.Index(fields=["clinic", "status"]),
            models.Index(fields=["clinic", "last_name", "first_name"]),
            # The clinicians' list, whole clinic and "my patients": in the order it is shown, so a page of it is
            # read straight off the index.
            models.Index(
                fields=["clinic", "-intake_rank", "-unread_messages", "last_name", "first_name", "id"],
                name="patient_clinic_waiting_idx",
            ),
            models.Index(
                fields=["physio", "-intake_rank", "-unread_messages", "last_name", "first_name", "id"],
                name="patient_physio_waiting_idx",
            ),
        ]

    def __str__(self):
        return self.full_name

    def get_absolute_url(self):
        return reverse("patient_detail", args=[self.pk])

    def clean(self):
        errors = {}
        if self.date_of_birth:
            today = timezone.localdate()
            if self.date_of_birth > today:
                errors["date_of_birth"] = "The date of birth cannot be in the future."
            elif self.age_on(today) > 120:
                errors["date_of_birth"] = "Please check the year: that would make the patient over 120."
        if self.physio_id and (
            self.physio.clinic_id != self.clinic_id or self.physio.role != StaffRole.PHYSIOTHERAPIST
        ):
            errors["physio"] = "Choose a physiotherapist of this clinic."
        if self.phone:
            try:
                self.phone = normalise_phone(self.phone)
            except InvalidPhoneNumber:
                errors["phone"] = PHONE_REFUSED
        if errors:
            raise ValidationError(errors)

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"

    @property
    def is_anonymised(self) -> bool:
        return self.anonymised_at is not None

    def age_on(self, day: date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class AuditAction(models.TextChoices):
    VIEW = "view", "Viewed"
    CREATE = "create", "Created"
    CHANGE = "change", "Changed"
    DELETE = "delete", "Deleted"
    DOWNLOAD = "download", "Downloaded"
    EXPORT = "export", "Exported"
    ANONYMISE = "anonymise", "Anonymised"
    ERASE = "erase", "Erased"
    SEND = "send", "Sent"


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Audit events are never changed.")

    def delete(self):
        raise PermissionError("Audit events are never deleted.")


class AuditEvent(models.Model):
    """One entry of the audit trail: who did what to which patient record, when and from where.

    Append-only: the model refuses updates and deletes, and on PostgreSQL a trigger refuses them too.
    `patient_id` is a plain number, not a foreign key, so the record of an erasure outlives the patient.
    The entry names the record by type and id only; it never copies patient data.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # No database constraint: removing an account must not rewrite the trail (actor_label keeps the name).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(max_length=200, help_text="Who acted, kept even if the account is removed.")
    action = models.CharField(max_length=10, choices=AuditAction.choices)
    target_type = models.CharField(max_length=40)
    target_id = models.BigIntegerField(null=True, blank=True)
    detail = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["clinic", "patient_id", "-at"])]

    def __str__(self):
        return f"{self.actor_label} {self.get_action_display().lower()} {self.target_label}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit events are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are never deleted.")

    @property
    def target_label(self):
        """The record acted on, by kind and number: "patient #12", "handout #3"."""
        kind = self.target_type.replace("_", " ")
        return f"{kind} #{self.target_id}" if self.target_id else kind
