import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_scopes import scope, scopes_disabled

from notifications.models import Email
from notifications.services import retry_email as send_again

from . import activation as activation_links
from . import audit, services, throttle, two_factor
from .forms import (
    CodeForm,
    EmailAuthenticationForm,
    OrganizationForm,
    PersonForm,
    ResendActivationForm,
    ScopelessPasswordResetForm,
)
from .models import RecoveryCodeDevice, User
from .permissions import admin_required
from .signals import person_changed, person_created

PEOPLE_PER_PAGE = 25
logger = logging.getLogger("accounts")


class LoginView(auth_views.LoginView):
    """Sign-in; repeated failures lock the account or the client's address for a while
    (EmailAuthenticationForm, accounts/throttle.py), answered with a 429 and a message."""

    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.throttled:
            response.status_code = 429
        return response

    def form_valid(self, form):
        user = form.get_user()
        if two_factor.has_device(user):
            # Not signed in yet: the code step (sign_in_code) finishes it.
            two_factor.begin(self.request, user, self.get_success_url())
            return redirect("sign_in_code")
        return super().form_valid(form)


def _render_code_step(request, form, status=200):
    return render(request, "accounts/sign_in_code.html", {"form": form}, status=status)


@never_cache
@sensitive_post_parameters("code")
def sign_in_code(request):
    """The second step of signing in: a code from the authenticator app or a recovery code.
    Reached from the password step (a pending sign-in) or, for a signed-in session that is
    not verified, from TwoFactorMiddleware."""
    if request.user.is_authenticated:
        if request.user.is_verified():
            return redirect(settings.LOGIN_REDIRECT_URL)
        user, backend, next_url = request.user, None, ""
    else:
        state = two_factor.pending(request)
        if state is None:
            messages.info(request, "Sign in with your password first.")
            return redirect("login")
        user, backend, next_url = state
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method != "POST" or not form.is_valid():
        return _render_code_step(request, form)
    device, refusal = two_factor.verify(user, form.cleaned_data["code"])
    if device is None:
        audit.record(request, audit.SIGN_IN_FAILED, user, actor=user, detail={"step": "code"})
        form.add_error("code", refusal)
        return _render_code_step(
            request, form, 429 if two_factor.is_refusal_throttled(user) else 200
        )
    if request.user.is_authenticated:
        request.session.cycle_key()
    else:
        request.session.pop(two_factor.PENDING_KEY, None)
        login(request, user, backend=backend)
    otp_login(request, device)
    if isinstance(device, RecoveryCodeDevice):
        left = device.codes.count()
        messages.warning(
            request,
            f"You signed in with a recovery code; {left} left. "
            "Make new ones on your Security page if you are running out.",
        )
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    return redirect(next_url or settings.LOGIN_REDIRECT_URL)


def _security_context(request, **extra):
    user = request.user
    enabled = two_factor.has_device(user)
    return {
        "enabled": enabled,
        "required": two_factor.required_for(user),
        "codes_left": two_factor.recovery_codes_left(user) if enabled else 0,
        "disable_form": CodeForm(auto_id="id_off_%s"),
        **extra,
    }


@login_required
def security(request):
    """A person's own Security page: two-factor sign-in, their recovery codes."""
    return render(request, "accounts/security.html", _security_context(request))


@login_required
@sensitive_post_parameters("code")
def security_setup(request):
    """Enrolment: scan the QR code or type the secret, confirm with a code; the recovery
    codes are shown once, on the answer."""
    user = request.user
    if two_factor.has_device(user):
        return redirect("security")
    key = request.session.get(two_factor.SETUP_KEY)
    if not key:
        key = request.session[two_factor.SETUP_KEY] = two_factor.new_secret()
    form = CodeForm(request.POST if request.method == "POST" else None, recovery=False)
    status = 200
    if request.method == "POST" and form.is_valid():
        last_t, refusal = two_factor.throttled_check(
            user, lambda: two_factor.check_new_secret(key, form.cleaned_data["code"])
        )
        if refusal is None:
            device, codes = two_factor.enrol(user, key, last_t)
            audit.record(request, audit.TWO_FACTOR_ON, user)
            request.session.pop(two_factor.SETUP_KEY, None)
            request.session.cycle_key()
            otp_login(request, device)
            request.session[two_factor.HAS_DEVICE_KEY] = True
            messages.success(request, "Two-factor sign-in is on.")
            return render(request, "accounts/recovery_codes.html", {"codes": codes})
        form.add_error("code", refusal)
        status = 429 if two_factor.is_refusal_throttled(user) else 200
    context = {
        "form": form,
        "required": two_factor.required_for(user),
        "secret": two_factor.secret_base32(key),
        "qr": two_factor.qr_data_uri(two_factor.setup_uri(user, key)),
    }
    return render(request, "accounts/security_setup.html", context, status=status)


@login_required
@require_POST
def security_recovery_codes(request):
    """New recovery codes (the old ones stop working), shown once."""
    if not two_factor.has_device(request.user):
        return redirect("security")
    if not request.user.is_verified():
        return redirect("sign_in_code")
    codes = two_factor.regenerate_recovery_codes(request.user)
    audit.record(request, audit.RECOVERY_CODES_RENEWED, request.user)
    messages.success(request, "New recovery codes: the old ones no longer work.")
    return render(request, "accounts/recovery_codes.html", {"codes": codes})


@login_required
@require_POST
@sensitive_post_parameters("code")
def security_disable(request):
    """Turning two-factor sign-in off asks a current code; not while the organization
    requires it of admins."""
    user = request.user
    if not two_factor.has_device(user):
        return redirect("security")
    if two_factor.required_for(user):
        messages.error(
            request, "Your organization requires two-factor sign-in for admins: it stays on."
        )
        return redirect("security")
    form = CodeForm(request.POST, auto_id="id_off_%s")
    if form.is_valid():
        device, refusal = two_factor.verify(user, form.cleaned_data["code"])
        if device is not None:
            two_factor.disable(user)
            audit.record(request, audit.TWO_FACTOR_OFF, user)
            request.session[two_factor.HAS_DEVICE_KEY] = False
            messages.success(request, "Two-factor sign-in is off.")
            return redirect("security")
        form.add_error("code", refusal)
    status = 429 if two_factor.is_refusal_throttled(user) else 400
    context = _security_context(request, disable_form=form)
    return render(request, "accounts/security.html", context, status=status)


class PasswordResetView(auth_views.PasswordResetView):
    """Throttled per client address (over the limit: a 429 saying when to try again) and per
    recipient (over the limit: the same answer as always, and no email)."""

    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    html_email_template_name = "accounts/email/password_reset.html"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    form_class = ScopelessPasswordResetForm

    @property
    def extra_email_context(self):
        # Links use the configured public URL, never the request's Host header.
        return {"site_url": settings.SITE_URL}

    def form_valid(self, form):
        wait = throttle.PASSWORD_RESET.address_refused(throttle.client_address(self.request))
        if wait:
            form.add_error(None, throttle.link_requests_refusal(wait))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        if not throttle.PASSWORD_RESET.may_send_to(form.cleaned_data["email"]):
            # The links sent already still work; saying nothing else tells nobody who exists.
            logger.info("Password reset not sent: too many for one recipient.")
            return redirect(self.get_success_url())
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    post_reset_login = True
    post_reset_login_backend = "accounts.backends.EmailBackend"

    def get_user(self, uidb64):
        with scopes_disabled():  # the person is not signed in: no organization scope yet
            return super().get_user(uidb64)

    def form_valid(self, form):
        response = super().form_valid(form)
        throttle.sign_in_unlocked(self.user.email)  # the link proved the mailbox
        return response


@admin_required
def people(request):
    query = request.GET.get("q", "").strip()[:100]
    status = request.GET.get("status", "active")
    if status not in {"active", "inactive", "all"}:
        status = "active"
    page = Paginator(services.search_people(query, status), PEOPLE_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {"page": page, "query": query, "status": status}
    if request.htmx and request.htmx.target == "people-results":
        return render(request, "accounts/_people_results.html", context)
    return render(request, "accounts/people.html", context)


@admin_required
@transaction.atomic
def person_create(request):
    form = PersonForm(request.POST if request.method == "POST" else None, editor=request.user)
    if request.method == "POST" and form.is_valid():
        person = services.create_person(request.user.organization, form)
        chosen = [group.pk for group in form.cleaned_data.get("groups", [])]
        person_created.send(sender=User, person=person, group_ids=chosen, by=request.user)
        groups = [group.name for group in form.cleaned_data.get("groups", [])]
        audit.record(
            request, audit.PERSON_CREATED, person, detail={"role": person.role, "groups": groups}
        )
        messages.success(request, f"{person.full_name} was added.")
        return redirect("person_edit", user_id=person.pk)
    return render(request, "accounts/person_form.html", {"form": form})


@admin_required
def person_edit(request, user_id):
    person = get_object_or_404(User, pk=user_id)
    form = PersonForm(
        request.POST if request.method == "POST" else None, instance=person, editor=request.user
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        if form.has_changed():
            person_changed.send(sender=User, person=person, by=request.user)
            audit.record(
                request, audit.PERSON_EDITED, person, detail={"changed": audit.changes_of(form)}
            )
        messages.success(request, f"{person.full_name} was saved.")
        return redirect("people")
    return render(request, "accounts/person_form.html", {"form": form, "person": person})


@admin_required
@require_POST
def person_set_active(request, user_id):
    """Deactivating or reactivating changes the person's app accounts: it shows its plan
    first (provisioning's pages)."""
    person = get_object_or_404(User, pk=user_id)
    active = request.POST.get("active") == "1"
    return redirect("plan_reactivate" if active else "plan_deactivate", user_id=person.pk)


@admin_required
def organization_settings(request):
    form = OrganizationForm(
        request.POST if request.method == "POST" else None, instance=request.user.organization
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        audit.record_changes(
            request, form.instance, audit.changes_of(form), {audit.SETTINGS_CHANGED: None}
        )
        messages.success(request, "Settings saved.")
        return redirect("settings")
    failed = Email.objects.filter(state=Email.State.FAILED)[:50]
    return render(request, "accounts/settings.html", {"form": form, "failed_emails": failed})


@admin_required
@require_POST
def retry_email(request, email_id):
    """Retry on an email that kept failing (the mail server was down, say)."""
    email = get_object_or_404(Email, pk=email_id, state=Email.State.FAILED)
    send_again(email)
    audit.record(request, audit.EMAIL_RETRIED, email, label=f"{email.subject} (to {email.to})")
    messages.success(request, f"Sending “{email.subject}” to {email.to} again.")
    return redirect("settings")


def permission_denied(request, exception=None):
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


PROBLEMS = {
    "expired": "This activation link has expired.",
    "used": "This activation link was used already: each link works once.",
    "invalid": "This activation link is not valid: it may have been copied incompletely.",
}


def activate(request, token):
    """The link in the welcome email: a new user sets their console password here."""
    activation, problem = activation_links.resolve(token)
    if problem:
        context = {"problem": PROBLEMS[problem], "form": ResendActivationForm()}
        return render(request, "accounts/activation_problem.html", context, status=410)
    person = activation.user
    if request.user.is_authenticated and request.user.pk != person.pk:
        context = {
            "problem": "This link is for someone else. Sign out first if it is yours.",
            "form": ResendActivationForm(),
        }
        return render(request, "accounts/activation_problem.html", context, status=403)
    if person.has_usable_password():
        activation_links.use(activation)
        messages.info(request, "Sign in to see your new apps.")
        return redirect(f"{reverse('login')}?next={reverse('my_apps')}")
    form = SetPasswordForm(person, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if not activation_links.use(activation):
            return redirect("activate", token=token)  # used meanwhile: say so
        with scope(organization=person.organization_id):
            form.save()
        login(request, person, backend="accounts.backends.EmailBackend")
        messages.success(request, "Your password is set. Welcome!")
        return redirect("my_apps")
    return render(request, "accounts/activate.html", {"form": form, "person": person})


@require_POST
def resend_activation(request):
    """Sends a fresh link; answers the same whether or not the email is known."""
    form = ResendActivationForm(request.POST)
    if form.is_valid():
        # Throttled per client address (it says so) and per recipient (silently: the links
        # sent already still work, and the answer tells nobody who exists).
        wait = throttle.NEW_ACTIVATION_LINK.address_refused(throttle.client_address(request))
        if wait:
            messages.error(request, throttle.link_requests_refusal(wait))
            return redirect("login")
        email = form.cleaned_data["email"]
        if throttle.NEW_ACTIVATION_LINK.may_send_to(email):
            with scopes_disabled():
                person = User.objects.filter(
                    email__iexact=email, is_active=True, organization__isnull=False
                ).first()
            if person is not None:
                with scope(organization=person.organization_id):
                    activation_links.send_new_link(person)
        else:
            logger.info("New activation link not sent: too many for one recipient.")
    messages.info(request, "If that email belongs to an account, a new link is on its way.")
    return redirect("login")
