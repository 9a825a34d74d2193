"""Passkeys in a real browser: playwright-core driving Debian's Chromium with a CDP virtual authenticator. A page
on http://localhost (a secure context) calls StartWebAuthnRegistration, navigator.credentials.create and
CompleteWebAuthnRegistration with fetch, as a web app using Amplify does; then ListWebAuthnCredentials shows the
passkey, the same authenticator cannot register twice (excludeCredentials) and DeleteWebAuthnCredential removes it.
The script is node/passkeys_browser.mjs. boto3 checks the refusals around it.

Needs node, playwright-core in tests/compat/node and `apt-get install -y chromium`; without them the tests skip,
or fail when CI is set."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from conftest import assert_client_error, free_port
from nodelib import ensure_packages, missing, node_exe
from test_node_clients import run_node
from userlib import PASSWORD, Kit, new_email

CHROMIUM = Path(os.environ.get("LATCHKEY_CHROMIUM", "/usr/bin/chromium"))


@pytest.fixture(scope="module")
def browser_node():
    exe = node_exe()
    ensure_packages(["playwright-core"])
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} not found (apt-get install -y chromium)")
    return exe


def passkey_pool(kit: Kit, factors=("PASSWORD", "WEB_AUTHN"), rp_id=None) -> tuple[str, str]:
    """A pool whose first factors are `factors` (RP ID `rp_id` when given) and a password client."""
    pool = kit.pool(Policies={"SignInPolicy": {"AllowedFirstAuthFactors": list(factors)}})
    if rp_id:
        kit.idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OFF",
                                         WebAuthnConfiguration={"RelyingPartyId": rp_id,
                                                                "UserVerification": "required"})
    client = kit.client(pool, flows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_AUTH"])
    return pool, client


def access_token(kit: Kit, pool: str, client: str, username: str = "") -> str:
    username = username or f"pk{time.monotonic_ns()}"
    kit.admin_user(pool, username, email=new_email("pk"))
    # Past the server's one-second pool cache, so token checks see the pool's latest settings.
    time.sleep(1.1)
    r = kit.uidp.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD})
    return r["AuthenticationResult"]["AccessToken"]


@pytest.mark.parametrize("rp_id", ["localhost", None], ids=["configured-rp-id", "public-url-host"])
def test_a_passkey_is_registered_listed_and_deleted_in_chromium(kit: Kit, browser_node, tmp_path, rp_id):
    pool, client = passkey_pool(kit, rp_id=rp_id)
    username = f"pk{time.monotonic_ns()}"
    token = access_token(kit, pool, client, username)
    cfg = {"chromium": str(CHROMIUM), "endpoint": kit.endpoint, "accessToken": token, "pagePort": free_port(),
           "rpId": "localhost", "clientId": client, "username": username}
    f = tmp_path / "cfg.json"
    f.write_text(json.dumps(cfg))
    rc, out, err = run_node(browser_node, "passkeys_browser.mjs", str(f), timeout=120)
    assert rc == 0 and out["ok"], (
        f"failed at step {out.get('step')!r}: {out.get('error')}: {out.get('message')}\n"
        f"steps: {json.dumps(out.get('steps'), indent=1)[:4000]}\nstack: {out.get('stack')}\nstderr: {err[-2000:]}")
    listed = out["steps"]["list"]["json"]["Credentials"][0]
    assert listed["RelyingPartyId"] == "localhost"
    assert listed["AuthenticatorAttachment"] == "platform"
    assert "internal" in listed["AuthenticatorTransports"]
    assert isinstance(listed["CreatedAt"], (int, float))
    options = out["steps"]["register"]["options"]
    assert options["rp"]["id"] == "localhost"
    assert out["steps"]["again"]["exclude"][0]["id"] == listed["CredentialId"]
    # USER_AUTH with the passkey: the request options name it, the assertion signs in (tokens that work), and the
    # same Session answered again is refused.
    sign_in = out["steps"]["signIn"]
    request = sign_in["options"]
    assert request["rpId"] == "localhost" and request["userVerification"] == "required", request
    assert [c["id"] for c in request["allowCredentials"]] == [listed["CredentialId"]], request
    assert sign_in["sessionLength"] <= 2048, "Cognito's SessionType allows 2,048 characters"
    assert kit.get_user(out["steps"]["accessToken"])["Username"] == username
    assert sign_in["replay"]["status"] == 400, sign_in["replay"]
    assert sign_in["replay"]["json"]["__type"] == "NotAuthorizedException", sign_in["replay"]
    # The scenario ended by deleting the passkey: WEB_AUTHN is no longer among the user's factors.
    factors = kit.uidp.get_user_auth_factors(AccessToken=out["steps"]["accessToken"])
    assert factors["ConfiguredUserAuthFactors"] == ["PASSWORD"], factors
    r = kit.uidp.initiate_auth(ClientId=client, AuthFlow="USER_AUTH",
                               AuthParameters={"USERNAME": username, "PREFERRED_CHALLENGE": "WEB_AUTHN"})
    assert r["ChallengeName"] == "SELECT_CHALLENGE" and r["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP"], r


def test_the_refusals_around_a_registration(kit: Kit):
    pool, client = passkey_pool(kit, factors=("PASSWORD",))
    token = access_token(kit, pool, client)
    with pytest.raises(Exception) as e:
        kit.uidp.start_web_authn_registration(AccessToken=token)
    assert_client_error(e, "WebAuthnNotEnabledException")

    pool, client = passkey_pool(kit, rp_id="localhost")
    token = access_token(kit, pool, client)
    with pytest.raises(Exception) as e:
        kit.uidp.complete_web_authn_registration(AccessToken=token, Credential={"id": "x"})
    assert_client_error(e, "WebAuthnChallengeNotFoundException")
    options = kit.uidp.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
    assert options["rp"]["id"] == "localhost" and options["challenge"]
    with pytest.raises(Exception) as e:
        kit.uidp.complete_web_authn_registration(AccessToken=token, Credential={"id": "x"})
    assert_client_error(e, "InvalidParameterException")
    assert kit.uidp.list_web_authn_credentials(AccessToken=token)["Credentials"] == []
    with pytest.raises(Exception) as e:
        kit.uidp.delete_web_authn_credential(AccessToken=token, CredentialId="bm9uZQ")
    assert_client_error(e, "ResourceNotFoundException")


def test_amplify_registers_a_passkey_and_signs_in_with_it_in_chromium(kit: Kit, browser_node, tmp_path):
    """Amplify v6 unmodified, bundled for the page with esbuild, on http://localhost with a virtual authenticator:
    signIn with the password, associateWebAuthnCredential, listWebAuthnCredentials, signOut, then signIn with
    USER_AUTH and preferredChallenge WEB_AUTHN — DONE with tokens that work."""
    ensure_packages(["aws-amplify/package.json", "esbuild"])
    pool, client = passkey_pool(kit, rp_id="localhost")
    username = f"pkamp{time.monotonic_ns()}"
    kit.admin_user(pool, username, email=new_email("pkamp"))
    time.sleep(1.1)  # past the server's one-second pool cache
    cfg = {"chromium": str(CHROMIUM), "endpoint": kit.endpoint, "pagePort": free_port(), "rpId": "localhost",
           "amplify": {"poolId": pool, "clientId": client, "username": username, "password": PASSWORD}}
    f = tmp_path / "cfg.json"
    f.write_text(json.dumps(cfg))
    rc, out, err = run_node(browser_node, "passkeys_browser.mjs", str(f), timeout=180)
    steps = out.get("steps", {})
    assert rc == 0 and out["ok"], (
        f"failed at step {out.get('step')!r}: {out.get('error')}: {out.get('message')}\n"
        f"steps: {json.dumps(steps, indent=1)[:4000]}\nstderr: {err[-2000:]}")
    assert steps["signIn"]["value"]["nextStep"]["signInStep"] == "DONE", steps["signIn"]
    listed = steps["list"]["value"]["credentials"]
    assert len(listed) == 1 and listed[0]["relyingPartyId"] == "localhost", listed
    assert steps["passkeySignIn"]["value"]["nextStep"]["signInStep"] == "DONE", steps["passkeySignIn"]
    assert kit.get_user(steps["session"]["value"]["accessToken"])["Username"] == username
    # Registered, then used once to sign in: the authenticator's counter moved past registration.
    creds = steps["authenticatorCredentials"]
    assert [c["rpId"] for c in creds] == ["localhost"] and creds[0]["signCount"] >= 2, creds
