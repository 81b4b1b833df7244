from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_scopes import scopes_disabled

from . import services
from .forms import EmailAuthenticationForm, OrganizationForm, PersonForm, ScopelessPasswordResetForm
from .models import User
from .permissions import admin_required
from .signals import person_created

PEOPLE_PER_PAGE = 25


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    html_email_template_name = "accounts/email/password_reset.html"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    form_class = ScopelessPasswordResetForm

    @property
    def extra_email_context(self):
        # Links use the configured public URL, never the request's Host header.
        return {"site_url": settings.SITE_URL}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    post_reset_login = True
    post_reset_login_backend = "accounts.backends.EmailBackend"

    def get_user(self, uidb64):
        with scopes_disabled():  # the person is not signed in: no organization scope yet
            return super().get_user(uidb64)


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
        messages.success(request, f"{person.full_name} was saved.")
        return redirect("people")
    return render(request, "accounts/person_form.html", {"form": form, "person": person})


@admin_required
@require_POST
def person_set_active(request, user_id):
    person = get_object_or_404(User, pk=user_id)
    active = request.POST.get("active") == "1"
    try:
        services.set_active(person, active, by=request.user)
    except services.PeopleError as error:
        messages.error(request, str(error))
    else:
        state = "reactivated" if active else "deactivated"
        messages.success(request, f"{person.full_name} was {state}.")
    return redirect("person_edit", user_id=person.pk)


@admin_required
def organization_settings(request):
    form = OrganizationForm(
        request.POST if request.method == "POST" else None, instance=request.user.organization
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Settings saved.")
        return redirect("settings")
    return render(request, "accounts/settings.html", {"form": form})


def permission_denied(request, exception=None):
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)
