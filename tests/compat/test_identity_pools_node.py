"""Identity pools from Node (node/identity.mjs): the seed document's flow through the AWS SDK for JavaScript v3
(GetId + GetCredentialsForIdentity, then STS GetCallerIdentity with those credentials), fromCognitoIdentityPool
feeding an STS client, and Amplify v6 fetchAuthSession() after a sign-in, its identity-pool calls sent to Latchkey
through Auth.Cognito.identityPoolEndpoint, then as a guest after signOut(). Needs node + npm; `npm ci` runs in
tests/compat/node when a needed package is missing. Without node the tests skip, or fail when CI is set."""

from __future__ import annotations

import json
import re
import uuid

import pytest

from conftest import DEFAULT_ACCOUNT
from identitylib import (TEMP_KEY_RE, IdKit, assumed_role_arn, issuer_key, provider_name, role)
from nodelib import ensure_packages, node_exe, run_steps
from userlib import PASSWORD, tamper

NEEDED = ["@aws-sdk/client-cognito-identity", "@aws-sdk/client-sts", "@aws-sdk/credential-providers", "aws-amplify"]
AUTH, GUEST = role("node-auth"), role("node-guest")


@pytest.fixture(scope="session")
def identity_node():
    exe = node_exe()
    ensure_packages(f"{p}/package.json" for p in NEEDED)
    return exe


@pytest.fixture(scope="module")
def ik(server):
    return IdKit(server)


def run_identity(node: str, tmp_path, request: dict) -> dict:
    f = tmp_path / f"identity-{uuid.uuid4().hex[:8]}.json"
    f.write_text(json.dumps(request))
    return run_steps(node, "identity.mjs", str(f), timeout=120)


def assert_js_credentials(c: dict) -> None:
    assert TEMP_KEY_RE.fullmatch(c["accessKeyId"]), c
    assert c["secretLength"] == 40 and c["hasSessionToken"], c
    assert c["expiration"], c


def test_aws_sdk_js_v3_and_from_cognito_identity_pool(identity_node, ik, tmp_path):
    pool, client = ik.app()
    prov = provider_name(pool)
    pid = ik.identity_pool((pool, client))
    ik.set_roles(pid, authenticated=AUTH)
    token = ik.user_token(pool, client)
    out = run_identity(identity_node, tmp_path, {
        "scenario": "sdk", "endpoint": ik.server.endpoint, "identityPoolId": pid, "providerName": prov,
        "idToken": token, "badToken": tamper(token),
    })
    s = out["steps"]
    iid = ik.get_id(pid, {prov: token})
    assert s["getId"]["IdentityId"] == iid
    assert s["getCredentials"]["IdentityId"] == iid
    assert_js_credentials(s["getCredentials"]["credentials"])
    assert s["stsCaller"] == {"Arn": assumed_role_arn(AUTH), "Account": DEFAULT_ACCOUNT,
                              "UserId": s["stsCaller"]["UserId"]}
    assert s["stsCaller"]["UserId"].endswith(":CognitoIdentityCredentials")
    assert s["stsTamperedSecret"]["name"] == "SignatureDoesNotMatch" and s["stsTamperedSecret"]["status"] == 403
    assert s["getIdTampered"]["name"] == "NotAuthorizedException" and s["getIdTampered"]["status"] == 400

    assert s["provider"]["identityId"] == iid
    assert_js_credentials(s["provider"])
    assert s["providerStsCaller"]["Arn"] == assumed_role_arn(AUTH)


def test_amplify_fetch_auth_session(identity_node, ik, tmp_path):
    pool, client = ik.app()
    pid = ik.identity_pool((pool, client), allow_unauthenticated=True)
    ik.set_roles(pid, authenticated=AUTH, unauthenticated=GUEST)
    username = f"amp-{uuid.uuid4().hex[:8]}"
    ik.users.admin_user(pool, username)
    out = run_identity(identity_node, tmp_path, {
        "scenario": "amplify", "endpoint": ik.server.endpoint, "identityPoolId": pid, "poolId": pool,
        "clientId": client, "username": username, "password": PASSWORD,
    })
    s, calls = out["steps"], out["calls"]
    session = s["session"]
    # The identity Amplify got is the user's: the same one GetId gives for a fresh token of theirs.
    token = ik.users.sign_in(client, username)["IdToken"]
    iid = ik.get_id(pid, {provider_name(pool): token})
    assert session["identityId"] == iid
    assert_js_credentials(session["credentials"])
    assert s["stsCaller"]["Arn"] == assumed_role_arn(AUTH)
    assert s["sessionAgain"]["identityId"] == iid and s["forceRefresh"]["identityId"] == iid

    # Amplify's identity-pool requests went to Latchkey, with the login keyed by the token's issuer.
    identity_calls = [c for c in calls if c["service"] == "AWSCognitoIdentityService"]
    targets = [c["target"] for c in identity_calls]
    assert targets[:2] == ["GetId", "GetCredentialsForIdentity"], targets
    assert all(c["url"].startswith(ik.server.endpoint) and c["status"] == 200 for c in identity_calls), identity_calls
    assert identity_calls[0]["logins"] == [issuer_key(token)]
    assert re.fullmatch(r"127\.0\.0\.1:\d+/" + re.escape(pool), issuer_key(token))

    # After signOut(), a guest: another identity, the unauthenticated role.
    guest = s["guestSession"]
    assert guest["identityId"] and guest["identityId"] != iid
    assert_js_credentials(guest["credentials"])
    assert s["guestStsCaller"]["Arn"] == assumed_role_arn(GUEST)
    guest_calls = [c for c in identity_calls if c["target"] == "GetId" and not c["logins"]]
    assert guest_calls, targets
