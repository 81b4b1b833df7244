from django import forms
from django.apps import apps
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import NON_FIELD_ERRORS
from django.views.decorators.debug import sensitive_variables
from django_scopes import scopes_disabled

from notifications.services import queue_email

from . import throttle
from .models import Organization, User
from .usernames import check_template


class EmailAuthenticationForm(AuthenticationForm):
    """Sign-in. The backend counts failures and refuses every attempt while the account or
    the client's address is locked (accounts/throttle.py); this form says so, and how long."""

    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    @sensitive_variables()
    def clean(self):
        email = self.cleaned_data.get("username")
        if email is None or not self.cleaned_data.get("password"):
            return super().clean()  # a field is missing: nothing is checked, nothing counted
        self.refuse_while_locked(email)
        try:
            return super().clean()
        except forms.ValidationError:
            self.refuse_while_locked(email)  # this failure locked it: say so at once
            raise

    def refuse_while_locked(self, email):
        address = throttle.client_address(self.request) if self.request else None
        wait = throttle.sign_in_locked(email, address)
        if wait:
            raise forms.ValidationError(throttle.sign_in_refusal(wait), code="throttled")

    @property
    def throttled(self):
        return self.has_error(NON_FIELD_ERRORS, "throttled")


class ScopelessPasswordResetForm(PasswordResetForm):
    """Finds the account across organizations: the person is not signed in yet.

    People an admin created have no password until they choose one, so they may use this too.
    """

    def get_users(self, email):
        with scopes_disabled():
            return list(
                User.objects.filter(
                    email__iexact=email, is_active=True, organization__isnull=False
                ).select_related("organization")
            )

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        queue_email(
            [to_email],
            subject_template_name,
            email_template_name,
            html_email_template_name,
            context,
            organization_id=context["user"].organization_id,
        )


def email_in_use(email, exclude_pk=None):
    """Emails are unique across the console, compared case-insensitively."""
    with scopes_disabled():
        users = User.objects.filter(email__iexact=email)
        if exclude_pk:
            users = users.exclude(pk=exclude_pk)
        return users.exists()


class PersonForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "app_username", "role"]
        help_texts = {"role": "Admins manage people, groups and apps; members see their apps."}

    def __init__(self, *args, editor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.editor = editor
        if self.instance._state.adding:
            # Groups live in a higher app: named through the registry, not imported.
            groups = apps.get_model("groups", "Group").objects.order_by("name")
            self.fields["groups"] = forms.ModelMultipleChoiceField(
                queryset=groups,
                required=False,
                widget=forms.CheckboxSelectMultiple(attrs={"class": "check-list"}),
                help_text="Their group apps are provisioned as Assignment Settings say.",
            )
        self.fields["email"].widget.attrs["autocomplete"] = "off"
        if self.instance.pk == getattr(editor, "pk", None):
            self.fields["role"].disabled = True
            self.fields["role"].help_text = "You cannot change your own role."

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"]).strip()
        if email_in_use(email, exclude_pk=self.instance.pk):
            raise forms.ValidationError("A user with this email already exists.")
        return email

    def validate_constraints(self):
        # The email constraint spans organizations, so its check must see them all.
        with scopes_disabled():
            super().validate_constraints()


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "require_two_factor_for_admins"]
        labels = {
            "name": "Organization name",
            "require_two_factor_for_admins": "Require two-factor sign-in for admins",
        }
        help_texts = {
            "require_two_factor_for_admins": (
                "Admins then sign in with a code from an authenticator app after their "
                "password; an admin who has not set it up is asked to first. Members may "
                "set it up for themselves."
            )
        }


class CodeForm(forms.Form):
    """A code from the authenticator app (or, where offered, a recovery code)."""

    code = forms.CharField(
        label="Authentication code",
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, recovery=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = "The 6-digit code your authenticator app shows" + (
            ", or one of your recovery codes." if recovery else "."
        )


class UniqueNameInOrganizationMixin:
    """For tenant models whose name is unique per organization, in any case.

    Model constraint validation skips the check because `organization` is not a form field,
    so the form asks itself and answers with the constraint's own message.
    """

    def clean_name(self):
        name = self.cleaned_data["name"]
        model = self._meta.model
        clash = model.objects.filter(
            organization_id=self.instance.organization_id, name__iexact=name
        ).exclude(pk=self.instance.pk)
        if clash.exists():
            constraint = next(c for c in model._meta.constraints if "name" in c.name)
            raise forms.ValidationError(constraint.violation_error_message)
        return name


class UsernameConventionMixin:
    """For forms with username_convention and username_template: a template must parse."""

    def clean(self):
        data = super().clean()
        if data.get("username_convention") == "template":
            for error in check_template(data.get("username_template", "")):
                self.add_error("username_template", error)
        return data


class ResendActivationForm(forms.Form):
    email = forms.EmailField(label="Your email")
