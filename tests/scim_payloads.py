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


def register_discovery(base):
    """The vendor's ServiceProviderConfig, ResourceTypes and Schemas (RFC 7644 §4), for
    `responses`."""
    import responses

    responses.get(
        f"{base}/ServiceProviderConfig",
        content_type=SCIM_JSON,
        json={
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "patch": {"supported": True},
            "bulk": {"supported": False},
            "filter": {"supported": True, "maxResults": 1000},
            "changePassword": {"supported": False},
            "sort": {"supported": False},
            "etag": {"supported": False},
            "authenticationSchemes": [],
        },
    )
    responses.get(
        f"{base}/ResourceTypes",
        content_type=SCIM_JSON,
        json=list_response(
            {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
                "id": "User",
                "name": "User",
                "endpoint": "/Users",
                "schema": "urn:ietf:params:scim:schemas:core:2.0:User",
            }
        ),
    )
    responses.get(
        f"{base}/Schemas",
        content_type=SCIM_JSON,
        json=list_response(
            {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
                "id": "urn:ietf:params:scim:schemas:core:2.0:User",
                "name": "User",
                "attributes": [],
            }
        ),
    )
