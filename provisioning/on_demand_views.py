"""Provision on demand: pick a person and an app, see the plan, run it now and read each
step's requests and the vendor's answers."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import redirect, render

from accounts import audit
from accounts.permissions import admin_required
from apps_catalog.models import TenantApp
from bitium.ids import parse_uuid

from . import on_demand


@admin_required
def provision_on_demand(request):
    data = request.POST if request.method == "POST" else request.GET
    apps = TenantApp.objects.filter(archived_at__isnull=True).order_by("name")
    email = data.get("email", "").strip()[:254]
    app_id = parse_uuid(data.get("app", ""))
    app = apps.filter(pk=app_id).first() if app_id else None
    person = get_user_model().objects.filter(email__iexact=email).first() if email else None
    context = {"apps": apps, "email": email, "app": app, "person": person}
    if email and person is None:
        context["problem"] = f"Nobody in your organization has the email {email}."
    elif data.get("app") and app is None:
        context["problem"] = "Choose one of your apps."
    if person is None or app is None:
        return render(request, "provisioning/on_demand.html", context)
    if request.method == "POST":
        plan, ran = on_demand.run_now(person, app, by=request.user)
        detail = {"person": person.email, "steps": [s.action for s in plan.steps]}
        audit.record(request, audit.PROVISIONED_ON_DEMAND, app, detail=detail)
        if not plan.steps:
            messages.info(
                request, f"Nothing to do: {person.full_name} is as they should be in {app.name}."
            )
            return redirect(f"{request.path}?{urlencode({'email': person.email, 'app': app.pk})}")
        context.update(plan=plan, ran=ran)
        return render(request, "provisioning/on_demand.html", context)
    context["plan"] = on_demand.plan_for(person, app)
    context["account"] = person.app_accounts.filter(app=app).first()
    return render(request, "provisioning/on_demand.html", context)
