from django import forms
from django.contrib.auth import get_user_model
from django_scopes import scopes_disabled

from .models import Group


class GroupForm(forms.ModelForm):
    class Meta:
        model = Group
        fields = ["name"]
        labels = {"name": "Group name"}

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.organization = organization

    def validate_constraints(self):
        with scopes_disabled():  # the constraint names the organization explicitly
            super().validate_constraints()


class AddMembersForm(forms.Form):
    people = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.none(),
        label="People to add",
        widget=forms.SelectMultiple(attrs={"size": 8}),
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
