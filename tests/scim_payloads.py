"""SCIM 2.0 payloads as RFC 7644 shows them, for `responses` to replay."""

BASE = "https://scim.vendor.example/v2"
USERS = f"{BASE}/Users"
SCIM_JSON = "application/scim+json"


def user(remote_id, email, username=None):
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": remote_id,
        "userName": username or email,
        "name": {"givenName": "Bob", "familyName": "Member"},
        "emails": [{"value": email, "primary": True, "type": "work"}],
        "active": True,
        "meta": {"resourceType": "User", "location": f"{USERS}/{remote_id}"},
    }


def list_response(*resources):
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": len(resources),
        "startIndex": 1,
        "itemsPerPage": len(resources),
        "Resources": list(resources),
    }


def error(status, detail, scim_type=None):
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": str(status),
        "detail": detail,
    }
    if scim_type:
        body["scimType"] = scim_type
    return body
