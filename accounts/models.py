import uuid

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django_otp.models import Device
from django_scopes import ScopedManager


class Organization(models.Model):
    """A tenant: every row a customer owns belongs to exactly one organization."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120)
    created_at = models.DateTimeField(default=timezone.now)
    # Admins must sign in with a second factor (accounts/two_factor.py); members may choose to.
    require_two_factor_for_admins = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = False  # the scoped subclass cannot be serialized into migrations

    def create_user(self, email, password=None, **fields):
        user = self.model(email=self.normalize_email(email).strip(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser):
    """A person in one organization. Staff superusers (no organization) run Django's admin."""

    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        MEMBER = "member", "Member"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="users", null=True, blank=True
    )
    email = models.EmailField(max_length=254)
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    # A username of the person's own for new seats, in place of the username convention
    # (accounts/usernames.py); empty: the convention decides.
    app_username = models.CharField(
        "Username in apps",
        max_length=150,
        blank=True,
        help_text="Leave empty to follow the username convention.",
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    is_superuser = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    preferences = models.JSONField(default=dict, blank=True)  # e.g. Manage Apps' columns

    objects = ScopedManager(organization="organization", _manager_class=UserManager)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["first_name", "last_name", "email"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="unique_user_email_ci",
                violation_error_message="A user with this email already exists.",
            ),
        ]
        indexes = [models.Index(fields=["organization", "first_name", "last_name"])]

    def __str__(self):
        return self.full_name or self.email

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def initials(self):
        letters = (self.first_name[:1] + self.last_name[:1]) or self.email[:1]
        return letters.upper()

    # Django's admin site is for staff superusers only; tenants never get model permissions.
    def has_perm(self, perm, obj=None):
        return self.is_active and self.is_superuser

    def has_perms(self, perms, obj=None):
        return self.has_perm(None)

    def has_module_perms(self, app_label):
        return self.has_perm(None)

    @property
    def is_org_admin(self):
        return self.role == self.Role.ADMIN and self.organization_id is not None


class Activation(models.Model):
    """One activation link: signed, expiring (ACTIVATION_TIMEOUT) and good for one use."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="activations")
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organization="organization")

    def __str__(self):
        return f"{self.user_id} ({'used' if self.used_at else 'open'})"


class RecoveryCodeDevice(Device):
    """A person's recovery codes for two-factor sign-in, as one django-otp device: each code
    works once. Codes are stored hashed like passwords (PASSWORD_HASHERS); a short prefix of
    each, kept in clear, finds the one hash to check instead of checking them all.

    Like django-otp's own devices it belongs to a person, not directly to an organization:
    it is only ever read for the person signing in (request.user or the pending sign-in)."""

    LOOKUP_LENGTH = 4

    class Meta(Device.Meta):
        verbose_name = "recovery codes"

    @staticmethod
    def normalize(code):
        return "".join(ch for ch in str(code).lower() if ch.isalnum())

    def set_codes(self, codes):
        self.codes.all().delete()
        RecoveryCode.objects.bulk_create(
            RecoveryCode(
                device=self,
                lookup=self.normalize(code)[: self.LOOKUP_LENGTH],
                hashed=make_password(self.normalize(code)),
            )
            for code in codes
        )

    def verify_token(self, token):
        code = self.normalize(token)
        if len(code) <= self.LOOKUP_LENGTH:
            return False
        for candidate in self.codes.select_for_update().filter(lookup=code[: self.LOOKUP_LENGTH]):
            if check_password(code, candidate.hashed):
                candidate.delete()  # single use
                return True
        return False


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    lookup = models.CharField(max_length=8)
    hashed = models.CharField(max_length=128)

    class Meta:
        indexes = [models.Index(fields=["device", "lookup"])]

    def __str__(self):
        return f"recovery code {self.lookup}…"


class AuditQuerySet(models.QuerySet):
    """Audit entries are append-only: a queryset refuses to change or delete them."""

    def update(self, **kwargs):
        raise ValueError("Audit entries are append-only.")

    def delete(self):
        raise ValueError("Audit entries are append-only.")

    update.queryset_only = True
    delete.queryset_only = True


class AuditEntry(models.Model):
    """One admin action or sign-in event, append-only (accounts/audit.py records them).

    The actor's email is kept as it was (the person may be renamed or leave), and so is the
    object's label. `detail` says what changed, never a secret or credential value. A failed
    sign-in for an email no organization knows has no organization: no tenant sees it, only
    staff on Django's admin site."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, db_index=False
    )
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    actor_email = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=50)
    object_kind = models.CharField(max_length=30, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=300, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(
        organization="organization", _manager_class=models.Manager.from_queryset(AuditQuerySet)
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"
        # The Audit log page lists newest first, filtered by these (1,000,000 rows and more).
        indexes = [
            models.Index(fields=["organization", "-created_at", "-id"], name="audit_org_created"),
            models.Index(fields=["organization", "action", "-created_at"], name="audit_org_action"),
            models.Index(
                fields=["organization", "object_kind", "-created_at"], name="audit_org_kind"
            ),
            models.Index(
                fields=["organization", "object_id", "-created_at"], name="audit_org_object"
            ),
            models.Index(fields=["actor", "-created_at"], name="audit_actor_created"),
        ]

    def __str__(self):
        return f"{self.actor_email or 'system'}: {self.action} {self.object_label}".strip()

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit entries are append-only.")
