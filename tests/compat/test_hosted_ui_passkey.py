"""The hosted UI's passkey sign-in in a real browser: playwright-core driving Debian's Chromium with a CDP virtual
authenticator, and openid-client v6 as the application (the `passkey` scenario of node/hosted_browser.mjs, with the
fixtures and runner of test_hosted_ui_browser.py). A passkey is registered for the user through the API from a page
on http://localhost:<port> (as passkeys_browser.mjs does); then /oauth2/authorize, reached as http://localhost so
the pool's RP ID `localhost` is the page's, the username typed, "Sign in with a passkey": the passkey page's script
asks the authenticator and posts the assertion to /passkey, and the browser lands on the callback with a code that
redeems for the user's tokens.

Needs node, openid-client and playwright-core in tests/compat/node and `apt-get install -y chromium`; without them
the test skips, or fails when CI is set."""

from __future__ import annotations

import time

from conftest import free_port, unique
from test_hosted_ui_browser import SCOPES, Env, base_cfg, browser_node, run_browser  # noqa: F401 (fixture)
from test_node_clients import node  # noqa: F401 (fixture)
from userlib import PASSWORD, Kit, new_email

PASSKEY_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "frame-ancestors 'none'; base-uri 'none'")


def passkey_env(kit: Kit) -> Env:
    """A pool whose first factors are the password and passkeys (RP ID `localhost`), an API client to register a
    passkey with, and a public code+PKCE client for the browser whose callback is on a free loopback port."""
    e = Env()
    e.kit = kit
    e.pool = kit.pool(Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}})
    kit.idp.set_user_pool_mfa_config(UserPoolId=e.pool, MfaConfiguration="OFF",
                                     WebAuthnConfiguration={"RelyingPartyId": "localhost",
                                                            "UserVerification": "required"})
    e.api = kit.client(e.pool, flows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_AUTH"])
    e.issuer = kit.issuer(e.pool)
    port = free_port()
    e.callback, e.logout = f"http://localhost:{port}/callback", f"http://localhost:{port}/signed-out"
    e.public = kit.app(e.pool, ClientName="spa", AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["code"],
                       AllowedOAuthScopes=SCOPES, SupportedIdentityProviders=["COGNITO"],
                       CallbackURLs=[e.callback], LogoutURLs=[e.logout])["ClientId"]
    return e


def test_a_passkey_signs_in_on_the_hosted_ui(browser_node, kit: Kit, tmp_path):  # noqa: F811
    e = passkey_env(kit)
    try:
        mfa = kit.idp.get_user_pool_mfa_config(UserPoolId=e.pool)
        assert mfa["WebAuthnConfiguration"]["RelyingPartyId"] == "localhost", mfa
        username = unique("hpk").lower()
        kit.admin_user(e.pool, username, email=new_email("hpk"))
        time.sleep(1.1)  # past the server's one-second pool cache
        token = kit.uidp.initiate_auth(ClientId=e.api, AuthFlow="USER_PASSWORD_AUTH",
                                       AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
                                       )["AuthenticationResult"]["AccessToken"]
        cfg = base_cfg(e, kit, username=username, accessToken=token, pagePort=free_port())
        s = run_browser(browser_node, "passkey", cfg, tmp_path)

        assert s["register"]["stage"] == "complete" and s["register"]["status"] == 200, s["register"]
        assert s["authenticatorRpIds"] == ["localhost"], s["authenticatorRpIds"]
        assert s["loginHost"] == "localhost" and s["loginPage"]["path"] == "/login", s["loginPage"]
        # The passkey page runs the hosted UI's own script, and nothing else.
        assert s["passkeyPage"]["status"] == 200 and s["passkeyPage"]["csp"] == PASSKEY_CSP, s["passkeyPage"]
        assert s["cspBlocked"] == [], s["cspBlocked"]
        # Its post went on to the app with a code; openid-client redeemed it for the user's tokens.
        assert s["passkeyPost"]["status"] == 302 and s["passkeyPost"]["location"].startswith(e.callback), s
        assert s["claims"]["cognito:username"] == username, s["claims"]
        assert s["callbackCount"] == 1
        assert s["signCount"] and s["signCount"][0] >= 1, s["signCount"]
        creds = kit.uidp.list_web_authn_credentials(AccessToken=token)["Credentials"]
        assert len(creds) == 1 and creds[0]["RelyingPartyId"] == "localhost", creds
    finally:
        kit.idp.delete_user_pool(UserPoolId=e.pool)
