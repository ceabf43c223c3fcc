"""
Sets up the DRF-SSO deployment of the import e2e test and prints what the test checks, as JSON:
users made with four different Django hashers, a group and permissions, and session tokens
issued the way DRF-SSO's `obtain_session_token` does (a SessionToken row, then an RS256 JWT with
its id as `sid`, signed with the key file), one of them revoked.
"""
import json
import os
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "drfsite.settings")
django.setup()

import jwt  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group, Permission, User  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework_sso.models import SessionToken  # noqa: E402

SSO = settings.REST_FRAMEWORK_SSO
USERS = [
    # username, email, password, hasher (None: the default, PBKDF2-SHA256)
    ("alice", "alice@example.com", "alice-old-password", None),
    ("Bob", "bob@example.com", "bob-old-password", "argon2"),
    ("carol", "carol@example.com", "carol-old-password", "bcrypt_sha256"),
    ("dave", "dave@example.com", "dave-old-password", "pbkdf2_sha1"),
]


def session_token(session):
    """DRF-SSO's create_session_payload + encode_jwt_token."""
    payload = {
        "token": "session",
        "sid": str(session.pk),
        "cid": session.client_id,
        "uid": session.user_id,
        "email": session.user.email,
        "iss": SSO["IDENTITY"],
        "aud": [SSO["IDENTITY"]],
        "iat": int(timezone.now().timestamp()),
    }
    key_file = SSO["PRIVATE_KEY"]
    with open(os.path.join(SSO["KEY_STORE_ROOT"], key_file)) as f:
        key = f.read()
    kid = key_file[: -len(".pem")] if key_file.endswith(".pem") else key_file
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid})


def main():
    editors = Group.objects.create(name="editors")
    editors.permissions.add(Permission.objects.get(codename="change_group"))
    out = {"users": [], "sessions": {}}
    for username, email, password, hasher in USERS:
        user = User.objects.create(
            username=username,
            email=email,
            password=make_password(password, hasher=hasher or "default"),
            last_login=timezone.now() - timedelta(days=3),
        )
        out["users"].append(
            {"id": user.pk, "username": username, "email": email, "password": password,
             "algorithm": user.password.split("$")[0]}
        )
    alice = User.objects.get(username="alice")
    alice.groups.add(editors)
    alice.user_permissions.add(Permission.objects.get(codename="view_user"))
    User.objects.create(username="nopass", email="nopass@example.com", password=make_password(None))

    live = SessionToken.objects.create(
        user=alice, client_id="mobile-app", ip_address="203.0.113.7", user_agent="App/1.0"
    )
    revoked = SessionToken.objects.create(user=User.objects.get(username="Bob"), client_id="web")
    out["sessions"]["live"] = {"sid": str(live.pk), "token": session_token(live), "uid": alice.pk}
    out["sessions"]["revoked"] = {"sid": str(revoked.pk), "token": session_token(revoked)}
    # The user logs out in Django: DRF-SSO revokes the row.
    revoked.revoked_at = timezone.now()
    revoked.save()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
