"""SCIM 2.0 lifecycle calls (RFC 7644 §3.5, §3.6): update, deactivate and reactivate by PATCH
where the server's ServiceProviderConfig says it supports PATCH, by PUT of the server's own
resource otherwise; delete by DELETE. A mixin of ScimConnector (scim.py)."""

from scim2_models import PatchOp, PatchOperation, User

from .scim_read import read_user

# What each field of an AccountUpdate becomes in a PATCH (paths servers commonly accept:
# django-scim2 refuses displayName and a whole `name`, for one).
PATCH_PATHS = {
    "username": "userName",
    "first_name": "name.givenName",
    "last_name": "name.familyName",
}
# What a PUT must not send back: the server's own bookkeeping.
READ_ONLY = ("meta", "password", "groups")


class ScimLifecycle:
    def _patch_supported(self):
        return bool(self.declared().get("patch"))

    def _patch(self, remote_id, operations):
        patch = PatchOp[User](operations=[PatchOperation[User](**op) for op in operations])
        return self._call("modify", User, remote_id, patch)

    def _put(self, remote_id, change):
        """PUT of the resource as the server has it, with `change` applied: attributes we do
        not model (extensions) go back untouched."""
        current = self._call("query", User, remote_id)
        resource = {k: v for k, v in (current or {}).items() if k not in READ_ONLY}
        change(resource)
        return self._call(
            "replace", resource=resource, check_request_payload=False, url=f"/Users/{remote_id}"
        )

    def _set_active(self, remote_id, active):
        if self._patch_supported():
            self._patch(remote_id, [{"op": "replace", "path": "active", "value": active}])
        else:
            self._put(remote_id, lambda resource: resource.update(active=active))

    def deactivate_account(self, remote_id):
        self._set_active(remote_id, False)

    def reactivate_account(self, remote_id):
        self._set_active(remote_id, True)

    def delete_account(self, remote_id):
        self._call("delete", User, remote_id)

    def update_account(self, remote_id, update):
        changed = update.changed
        email = [{"value": update.email, "primary": True, "type": "work"}]
        if self._patch_supported():
            operations = [
                {"op": "replace", "path": path, "value": getattr(update, field)}
                for field, path in PATCH_PATHS.items()
                if field in changed
            ]
            if "email" in changed:
                operations.append({"op": "replace", "path": "emails", "value": email})
            answer = self._patch(remote_id, operations) if operations else None
        else:

            def change(resource):
                name = dict(resource.get("name") or {})
                if "first_name" in changed:
                    name["givenName"] = update.first_name
                if "last_name" in changed:
                    name["familyName"] = update.last_name
                if changed & {"first_name", "last_name"}:
                    formatted = f"{update.first_name} {update.last_name}".strip()
                    name["formatted"] = formatted
                    resource["displayName"] = formatted or update.username
                resource["name"] = name
                if "username" in changed:
                    resource["userName"] = update.username
                if "email" in changed:
                    others = [e for e in resource.get("emails") or [] if not e.get("primary")]
                    resource["emails"] = email + [{**e, "primary": False} for e in others]

            answer = self._put(remote_id, change)
        return read_user(answer) if isinstance(answer, dict) and answer.get("id") else None
