from django import forms

from accounts.forms import UniqueNameInOrganizationMixin, UsernameConventionMixin

from . import hooks
from .models import SupportRequest, TenantApp


class TenantAppForm(UniqueNameInOrganizationMixin, forms.ModelForm):
    class Meta:
        model = TenantApp
        fields = ["name", "sign_in_url"]
        labels = {"name": "Name in your console", "sign_in_url": "Sign-in URL"}
        help_texts = {
            "name": "Add the same app twice (say, two Salesforce orgs) under different names.",
        }

    def __init__(self, *args, organization, catalog_app=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.organization = organization
        if catalog_app is not None:
            self.instance.catalog_app = catalog_app
        self.fields["sign_in_url"].required = False


class SupportRequestForm(forms.ModelForm):
    class Meta:
        model = SupportRequest
        fields = ["app_name", "app_url", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"note": "Anything that helps: how many seats, who your contact is."}


class AppSettingsForm(UsernameConventionMixin, TenantAppForm):
    """The app's Settings tab: its name, sign-in URL, Group Auto Provisioning toggle and an
    optional username convention of its own."""

    class Meta(TenantAppForm.Meta):
        fields = [
            "name",
            "sign_in_url",
            "group_auto_provisioning",
            "username_convention",
            "username_template",
            "deprovisioning",
        ]
        labels = {
            **TenantAppForm.Meta.labels,
            "username_convention": "Username convention",
            "username_template": "Username template",
        }

    def __init__(self, *args, policy_turns_it_on=False, **kwargs):
        super().__init__(*args, **kwargs)
        if policy_turns_it_on:
            field = self.fields["group_auto_provisioning"]
            field.disabled = True
            self.initial["group_auto_provisioning"] = True
            field.help_text = (
                "On: your organization's policy provisions all apps "
                "(Settings > Assignment Settings)."
            )
        if not self.instance.catalog_app.supports_provisioning:
            for name in (
                "group_auto_provisioning",
                "username_convention",
                "username_template",
                "deprovisioning",
            ):
                del self.fields[name]
        else:  # only what the app's API can do
            self.fields["deprovisioning"].choices = hooks.leaving_choices(self.instance)


class AttachAppForm(forms.Form):
    app = forms.ModelChoiceField(
        queryset=TenantApp.objects.none(), label="Add an app", empty_label="Choose an app"
    )

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["app"].queryset = TenantApp.objects.filter(archived_at__isnull=True).exclude(
            group_apps__group=group
        )
