from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError

SECRET_SAVED_HELP = "A secret is saved. Leave this blank to keep it, or type a new one."
BAD_PORT = "The port in this address is not valid: a port is a number from 1 to 65535."


def validate_port(value):
    """Django's URL validator takes any five digits as a port; the connection cannot."""
    try:
        port = urlsplit(value).port
    except ValueError as error:  # out of range, or not a number
        raise ValidationError(BAD_PORT, code="invalid_port") from error
    if port == 0:
        raise ValidationError(BAD_PORT, code="invalid_port")


class SecretTextarea(forms.Textarea):
    """A text area for a secret of many lines (a JSON key) that, like a password field,
    never puts a value back into the page, not even the one just typed."""

    def format_value(self, value):
        return None


class CredentialsForm(forms.Form):
    """The admin credentials a connector needs, built from its credential_fields.

    Saved secrets are never put back into the page: the field stays blank, says one is
    saved, and keeps it unless the admin types a new one."""

    def __init__(self, *args, connector_class, saved=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.connector_class = connector_class
        self.saved = saved or {}
        for spec in connector_class.credential_fields:
            field = self._field(spec)
            # The connector checks what is missing (credential_problems); the page marks what
            # must be filled, visibly and for assistive technology. A saved secret may stay blank.
            if spec.required and not (spec.kind == "secret" and self.saved.get(spec.name)):
                field.marked_required = True
                field.widget.attrs.update({"required": True, "aria-required": "true"})
            self.fields[spec.name] = field
            if spec.kind != "secret" and spec.name in self.saved:
                self.initial.setdefault(spec.name, self.saved[spec.name])

    def fieldsets(self):
        """[(legend, explanation, [bound fields])]: the fields of each sign-in method together
        (connector_class.credential_groups), in the order they come; loose fields in a set
        without a legend."""
        sets = []
        for spec in self.connector_class.credential_fields:
            legend, explanation = self.connector_class.credential_groups.get(spec.group, ("", ""))
            if not sets or sets[-1][0] != legend:
                sets.append((legend, explanation, []))
            sets[-1][2].append(self[spec.name])
        return sets

    def _field(self, spec):
        options = {"label": spec.label, "help_text": spec.help_text, "required": False}
        if spec.kind == "secret":
            if self.saved.get(spec.name):
                options["help_text"] = SECRET_SAVED_HELP
            attrs = {"autocomplete": "off"}
            if spec.multiline:
                attrs.update({"rows": 6, "spellcheck": "false", "class": "monospace"})
                widget = SecretTextarea(attrs=attrs)
                return forms.CharField(widget=widget, max_length=20000, strip=True, **options)
            widget = forms.PasswordInput(render_value=False, attrs=attrs)
            return forms.CharField(widget=widget, max_length=4000, strip=True, **options)
        if spec.kind == "url":
            return forms.URLField(
                max_length=500, assume_scheme="https", validators=[validate_port], **options
            )
        if spec.kind == "choice":
            return forms.ChoiceField(choices=spec.choices, **options)
        return forms.CharField(max_length=255, **options)

    def clean(self):
        data = super().clean()
        credentials = {}
        for spec in self.connector_class.credential_fields:
            value = data.get(spec.name) or ""
            if spec.kind == "secret" and not value:
                value = self.saved.get(spec.name, "")  # keep the saved secret
            if value:
                credentials[spec.name] = value
        for name, message in self.connector_class.credential_problems(credentials).items():
            if name not in self.errors:
                self.add_error(name, message)
        self.credentials = credentials
        return data
