"""
The token check of djangorestframework-sso 0.5.2's JWTAuthentication, rebuilt on PyJWT (the
library DRF-SSO itself uses), so that the e2e suite can prove a Django service accepts nest-sso
tokens unchanged.

Usage: verify_token.py '<settings JSON>' < token
Settings: IDENTITY, KEY_STORE_ROOT, PUBLIC_KEYS, ACCEPTED_ISSUERS (or null), DECODE_ALGORITHMS,
EXPIRATION_LEEWAY. Prints the payload as JSON and exits 0, or prints the error and exits 1.
"""
import json
import os
import sys

import jwt


def key_id_of(file_name):
    return file_name[: -len(".pem")] if file_name.endswith(".pem") else file_name


def public_key_for(settings, issuer, key_id):
    files = settings["PUBLIC_KEYS"].get(issuer)
    if not files:
        raise jwt.InvalidIssuerError("no public keys for issuer %r" % issuer)
    if isinstance(files, str):
        files = [files]
    # With a kid, the file of that name; without one, the issuer's first key.
    file_name = files[0] if key_id is None else next((f for f in files if key_id_of(f) == key_id), None)
    if file_name is None:
        raise jwt.InvalidKeyError("unknown key id %r" % key_id)
    with open(os.path.join(settings["KEY_STORE_ROOT"], file_name)) as f:
        return f.read()


def decode_jwt_token(settings, token):
    header = jwt.get_unverified_header(token)
    unverified = jwt.decode(token, options={"verify_signature": False})
    if "iss" not in unverified:
        raise jwt.MissingRequiredClaimError("iss")
    issuer = str(unverified["iss"])
    accepted = settings.get("ACCEPTED_ISSUERS")
    if accepted is not None and issuer not in accepted:
        raise jwt.InvalidIssuerError("Invalid issuer")
    key = public_key_for(settings, issuer, header.get("kid"))
    return jwt.decode(
        token,
        key=key,
        algorithms=settings["DECODE_ALGORITHMS"],
        audience=settings["IDENTITY"],
        issuer=issuer,
        leeway=settings.get("EXPIRATION_LEEWAY", 0),
        options={"verify_exp": True, "verify_iat": True, "verify_aud": True, "verify_iss": True},
    )


def authenticate_credentials(payload):
    # JWTAuthentication.authenticate_credentials: token type, session id and user id are required.
    if payload.get("token") not in ("session", "auth"):
        raise jwt.InvalidTokenError("Invalid token type")
    if not payload.get("sid") or not payload.get("uid"):
        raise jwt.InvalidTokenError("Invalid token claims")
    return payload


def main():
    settings = json.loads(sys.argv[1])
    token = sys.stdin.read().strip()
    try:
        payload = authenticate_credentials(decode_jwt_token(settings, token))
    except jwt.PyJWTError as error:
        print("%s: %s" % (type(error).__name__, error))
        return 1
    print(json.dumps(payload))
    return 0


if __name__ == "__main__":
    sys.exit(main())
