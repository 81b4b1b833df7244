from django import forms

from accounts.forms import UniqueNameInOrganizationMixin

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
