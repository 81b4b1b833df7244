"""My Apps: the signed-in person's own app accounts. Every lookup is by the person, so one
user never reaches another's accounts (404). An account without an organization (a staff
superuser) has no apps: My Apps says so, and Open and Reveal are 404s."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import engines
from django.utils import timezone
from django.views.decorators.http import require_POST

from .models import AppAccount
from .services import record_first_sign_in
from .status import Status

VISIBLE = [Status.CREATED, Status.INVITED, Status.ACTIVE, Status.PENDING, Status.PROVISIONING]


NO_ORGANIZATION = """{% extends "base.html" %}{% block title %}My Apps{% endblock %}
{% block auth_content %}<h1>My Apps</h1>
<p>No apps here: this account belongs to no organization, and apps are given to the people
of an organization.</p>
{% if user.is_staff %}<p><a href="{% url 'admin:index' %}">Go to the admin site</a></p>{% endif %}
{% endblock %}"""


def in_an_organization(view):
    """Accounts live in an organization's scope; outside one there are none to find."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.user.organization_id is None:
            raise Http404("An account without an organization has no apps.")
        return view(request, *args, **kwargs)

    return wrapped


def sign_in_url(app):
    """Where the person signs in to the app: the organization's address, else the catalog's."""
    return app.sign_in_url or app.catalog_app.sign_in_url


def own_account(request, account_id):
    return get_object_or_404(
        AppAccount.objects.select_related("app__catalog_app"), pk=account_id, user=request.user
    )


@login_required
def my_apps(request):
    if request.user.organization_id is None:
        page = engines["django"].from_string(NO_ORGANIZATION)
        return HttpResponse(page.render({}, request))
    accounts = (
        AppAccount.objects.filter(
            user=request.user, status__in=VISIBLE, app__archived_at__isnull=True
        )
        .select_related("app__catalog_app")
        .order_by("app__name")
    )
    for account in accounts:
        account.sign_in_url = sign_in_url(account.app)
    return render(request, "provisioning/my_apps.html", {"accounts": accounts})


@login_required
@in_an_organization
@require_POST
def reveal_password(request, account_id):
    """Shows the temporary password once, then wipes it."""
    with transaction.atomic():
        account = get_object_or_404(
            AppAccount.objects.select_for_update(), pk=account_id, user=request.user
        )
        password = account.secrets.get("temporary_password")
        if password:
            account.secrets = {}
            account.password_revealed_at = timezone.now()
            account.save(update_fields=["secrets", "password_revealed_at", "updated_at"])
    if not password:
        messages.error(
            request,
            "That temporary password was shown once already and is gone. "
            "Use the app's own \u201cforgot password\u201d if you need a new one.",
        )
        return redirect("my_apps")
    account = own_account(request, account_id)
    account.sign_in_url = sign_in_url(account.app)
    return render(request, "provisioning/revealed.html", {"account": account, "password": password})


@login_required
@in_an_organization
def open_app(request, account_id):
    """Passes the person into the app. Following a real sign-in address the first time marks
    the account Active; without one nothing is marked (the vendor's report of the first sign-in,
    read by upkeep.refresh_sign_ins, does it then) and My Apps says where to go."""
    account = own_account(request, account_id)
    url = sign_in_url(account.app)
    if not url:
        messages.info(
            request,
            f"{account.app.name} has no sign-in address in Bitium yet: sign in on "
            f"{account.app.catalog_app.name}'s own site, or ask your admin to add the address.",
        )
        return redirect("my_apps")
    if account.status in (Status.CREATED, Status.INVITED):
        record_first_sign_in(account, "First sign-in via My Apps.", actor=request.user)
    return redirect(url)
