"""The progress of a background action: a page the admin can watch, leave and come back to."""

from django.shortcuts import get_object_or_404, render

from accounts.permissions import admin_required

from .models import BackgroundAction


@admin_required
def background_action(request, action_id):
    action = get_object_or_404(BackgroundAction, pk=action_id)
    template = "provisioning/_background.html" if request.htmx else "provisioning/background.html"
    return render(request, template, {"action": action})
