"""The models django-scim2 needs: its abstract mixins add scim_id, scim_external_id and
scim_username (users) / scim_display_name (groups); the default adapters read
`user.scim_groups` and `group.user_set`. Shaped like django-scim2's own test models."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django_scim.models import AbstractSCIMGroupMixin, AbstractSCIMUserMixin


class Group(AbstractSCIMGroupMixin):
    name = models.CharField("name", max_length=80, unique=True)

    def __str__(self):
        return self.name


class User(AbstractSCIMUserMixin, AbstractUser):
    scim_groups = models.ManyToManyField(Group, related_name="user_set", blank=True)

    def __str__(self):
        return self.username
