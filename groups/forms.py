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


class AddMembersForm(forms.Form):
    people = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.none(),
        label="People to add",
        widget=forms.CheckboxSelectMultiple(attrs={"class": "check-list"}),
        error_messages={"required": "Choose at least one person to add."},
    )

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = (
            get_user_model()
            .objects.filter(is_active=True)
            .exclude(memberships__group=group)
            .order_by("first_name", "last_name")
        )


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
