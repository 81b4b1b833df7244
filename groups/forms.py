from django import forms
from django.contrib.auth import get_user_model

from accounts.forms import UniqueNameInOrganizationMixin

from .models import Group


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
