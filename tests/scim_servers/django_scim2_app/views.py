from django.http import HttpResponse
from django.views.decorators.http import require_POST

from .models import Group, User


@require_POST
def reset(request):
    """Test-only: deletes every user and group (the bearer token is checked before)."""
    Group.objects.all().delete()
    User.objects.all().delete()
    return HttpResponse(status=204)
