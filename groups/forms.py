import re

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import MaxValueValidator

from accounts.forms import UniqueNameInOrganizationMixin, UsernameConventionMixin

from .models import AssignmentSettings, Group


class GroupForm(UniqueNameInOrganizationMixin, forms.ModelForm):
    class Meta:
        model = Group
        fields = ["name"]
        labels = {"name": "Group name"}

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.organization = organization


# Adding people to a group posts one person, a pasted list or a search: never a field per
# person of an unbounded list (Django's field limit stays at its default).


class AddPersonForm(forms.Form):
    """One person, from the search's results."""

    person = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(),
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "That person cannot be added to this group."},
    )

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = (
            get_user_model().objects.filter(is_active=True).exclude(memberships__group=group)
        )


MAX_PASTED = 50_000
SEPARATORS = re.compile(r"[\s,;]+")


def split_addresses(text):
    """The pasted addresses (commas, spaces, newlines), once each in the order pasted;
    `<jane@x.example>` counts as jane@x.example."""
    seen, addresses = set(), []
    for token in SEPARATORS.split(text):
        token = token.strip("<>\"'()[]")
        if token and token.lower() not in seen:
            seen.add(token.lower())
            addresses.append(token)
    return addresses


class AddByEmailsForm(forms.Form):
    emails = forms.CharField(
        label="Email addresses",
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "ana@example.com, bo@example.com"}),
        help_text="Separated by commas, spaces or new lines.",
        error_messages={"required": "Paste at least one email address."},
    )

    def clean_emails(self):
        addresses = split_addresses(self.cleaned_data["emails"])
        if not addresses:
            raise forms.ValidationError("Paste at least one email address.")
        if len(addresses) > MAX_PASTED:
            raise forms.ValidationError(
                f"Paste at most {MAX_PASTED:,} addresses at once ({len(addresses):,} here)."
            )
        return addresses


class AssignmentSettingsForm(UsernameConventionMixin, forms.ModelForm):
    class Meta:
        model = AssignmentSettings
        fields = [
            "group_auto_provisioning",
            "username_convention",
            "username_template",
            "approval_threshold",
            "approval_threshold_percent",
        ]
        widgets = {"group_auto_provisioning": forms.RadioSelect}
        labels = {"username_template": "Username template"}

    THRESHOLDS = ("approval_threshold", "approval_threshold_percent")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.THRESHOLDS:  # left empty: kept as they are
            self.fields[name].required = False
        self.fields["approval_threshold_percent"].max_value = 100
        self.fields["approval_threshold_percent"].validators.append(MaxValueValidator(100))

    def clean(self):
        cleaned = super().clean()
        for name in self.THRESHOLDS:
            if cleaned.get(name) is None and name not in self.errors:
                cleaned[name] = getattr(self.instance, name)
        return cleaned


class JoinGroupForm(forms.Form):
    group = forms.ModelChoiceField(
        queryset=Group.objects.none(), label="Add to group", empty_label="Choose a group"
    )

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = Group.objects.exclude(memberships__user=person)
