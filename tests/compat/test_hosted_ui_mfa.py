"""The hosted UI's MFA page (POST /mfa, templates/mfa.html) in a real browser: playwright-core driving Debian's
Chromium with openid-client v6 as the application, as in test_hosted_ui_browser.py (whose fixtures and runner this
reuses; the scenarios are the mfa_* ones of node/hosted_browser.mjs). After the password the page asks for what the
user owes: setting up an authenticator app (QR code and secret) or an email address, a choice between factors, or a
code (the app's, computed by node/totp.mjs and checked against pyotp here; or the one mailed to the SMTP sink).

TOTP codes are accepted once per 30-second window, so a scenario that needs a second code of the same secret waits
for the next window (at most one); the user of the choice test is enrolled when the module starts, so its window
has long passed when the browser needs a code."""

from __future__ import annotations

import json
from pathlib import Path

import pyotp
import pytest

import zxingcpp
from PIL import Image
from conftest import free_port, unique
from mfalib import CODE_MISMATCH, STEP, Totp, check_secret, mfa_pool, mfa_user
from test_hosted_ui_browser import SCOPES, Env, base_cfg, browser_node, run_browser  # noqa: F401 (fixture)
from test_node_clients import code_endpoint, node  # noqa: F401 (fixtures)
from userlib import PASSWORD, Kit, attr_map, mask, new_email

SETUP_MISMATCH = "Code mismatch and fail enable Software Token MFA"


def scan_qr(png: Path) -> str:
    """What an authenticator app's camera reads from the page: the QR code in the screenshot, decoded by ZXing."""
    found = zxingcpp.read_barcodes(Image.open(png), formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(found) == 1, f"expected one QR code in {png}, found {len(found)}"
    return found[0].text


def mfa_env(kit: Kit, mode: str, totp: bool = True, email: bool = True) -> Env:
    """A pool with SetUserPoolMfaConfig(mode, ...) (see mfalib.mfa_pool), an API client to make its users, and a
    public code+PKCE client for the browser whose callback is on a free loopback port."""
    e = Env()
    e.kit = kit
    e.pool, e.api = mfa_pool(kit, mode=mode, totp=totp, email=email)
    e.issuer = kit.issuer(e.pool)
    port = free_port()
    e.callback, e.logout = f"http://localhost:{port}/callback", f"http://localhost:{port}/signed-out"
    e.public = kit.app(e.pool, ClientName="spa", AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["code"],
                       AllowedOAuthScopes=SCOPES, SupportedIdentityProviders=["COGNITO"],
                       CallbackURLs=[e.callback], LogoutURLs=[e.logout])["ClientId"]
    return e


class Envs:
    pass


@pytest.fixture(scope="module")
def envs(kit: Kit):
    """The pools, made once: MFA ON with the authenticator app only; OPTIONAL with the app and email; ON with both.
    The choice test's user (the app and email enabled, neither preferred) is enrolled here, early."""
    v = Envs()
    v.totp_only = mfa_env(kit, "ON", email=False)
    v.optional = mfa_env(kit, "OPTIONAL")
    v.both_on = mfa_env(kit, "ON")
    v.chooser = mfa_user(kit, v.optional.pool, v.optional.api, "hchoose", totp_preferred=False, email_mfa=True,
                         email_preferred=False)
    yield v
    for e in (v.totp_only, v.optional, v.both_on):
        kit.idp.delete_user_pool(UserPoolId=e.pool)


def mfa_settings(kit: Kit, pool: str, username: str) -> dict:
    u = kit.idp.admin_get_user(UserPoolId=pool, Username=username)
    return {"list": u.get("UserMFASettingList"), "preferred": u.get("PreferredMfaSetting"),
            "attributes": attr_map(u["UserAttributes"])}


def assert_pyotp_agrees(secret: str, used: list) -> None:
    """The codes node/totp.mjs computed are pyotp's for the same steps (so the browser typed what an app shows)."""
    otp = Totp(secret)
    for u in used:
        assert otp.at_step(u["step"]) == u["code"], (u, secret)


def test_authenticator_app_set_up_on_the_page_then_asked_for(browser_node, envs, kit, tmp_path):  # noqa: F811
    e = envs.totp_only
    username = unique("hsetup").lower()
    kit.admin_user(e.pool, username, email=new_email("hsetup"))
    s = run_browser(browser_node, "mfa_totp_setup", base_cfg(e, kit, username=username, password=PASSWORD),
                    tmp_path)

    # The setup page: a QR code (an SVG data: image the browser drew, nothing blocked by the CSP) and the secret.
    p = s["setupPage"]
    # (The page answers the sign-in form's post, so the address is still /login.)
    assert p["path"] == "/login" and p["step"] == "setup-totp" and p["error"] is None, p
    assert p["heading"] == "Set up multi-factor authentication", p
    secret = check_secret(p["secret"])
    qr = p["qr"]
    assert qr["src"].startswith("data:image/svg+xml;base64,"), qr
    assert qr["loaded"] and qr["naturalWidth"] >= 200 and qr["width"] == 200, qr
    # What an authenticator app reads from it: the otpauth URI of this secret, labelled with the pool and user.
    shot = Path(s["screenshot"])
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 5000, shot
    uri = scan_qr(shot)
    pool_name = kit.idp.describe_user_pool(UserPoolId=e.pool)["UserPool"]["Name"]
    parsed = pyotp.parse_uri(uri)
    assert isinstance(parsed, pyotp.TOTP) and parsed.secret == secret, uri
    assert parsed.name == username and parsed.issuer == pool_name, uri
    assert parsed.digits == 6 and parsed.interval == STEP and parsed.digest().name == "sha1", uri
    assert s["cspBlocked"] == [], s["cspBlocked"]
    assert p["hidden"] == ["_csrf", "challenge", "session", "username", "factors", "setup_session", "secret"], p
    assert "otpauth" not in json.dumps(p), "the URI travels only as the QR code"
    box = p["secretBox"]
    assert box["right"] <= box["mainRight"] + 0.5, f"the secret runs out of the page's box: {box}"
    # A wrong code: the same page, the same secret, the reason.
    w = s["setupWrongCode"]
    assert w["path"] == "/mfa" and w["step"] == "setup-totp" and w["error"] == SETUP_MISMATCH, w
    assert w["secret"] == secret and w["qr"] and w["qr"]["loaded"], w
    assert w["qr"]["src"] == qr["src"], "the same secret, drawn the same"
    # The right one signed in (tokens validated by openid-client), and the app is the user's factor.
    assert s["setupClaims"]["cognito:username"] == username and s["setupUserinfo"]["username"] == username
    assert s["setupAccessClaims"]["client_id"] == e.public
    assert_pyotp_agrees(secret, s["codesUsed"])

    # The next sign-in asks for the app's code; a wrong one is refused on the page; a fresh one signs in.
    c = s["codePage"]
    assert c["path"] == "/login" and c["step"] == "code" and c["error"] is None, c
    assert c["heading"] == "Enter your code", c
    assert c["description"] == ["Enter the code from your authenticator app."], c
    assert s["wrongCode"]["step"] == "code" and s["wrongCode"]["error"] == CODE_MISMATCH, s["wrongCode"]
    assert s["describedBy"] == "error"
    used = s["codesUsed"]
    assert len(used) == 2 and used[1]["step"] > used[0]["step"], used
    assert s["claims"]["cognito:username"] == username and s["claims"]["sub"] == s["setupClaims"]["sub"]
    assert s["callbackCount"] == 2
    m = mfa_settings(kit, e.pool, username)
    assert m["list"] == ["SOFTWARE_TOKEN_MFA"] and m["preferred"] == "SOFTWARE_TOKEN_MFA", m


def test_email_code_page(browser_node, envs, kit, code_endpoint, tmp_path):  # noqa: F811
    e = envs.optional
    u = mfa_user(kit, e.pool, e.api, "hmail", totp=False, email_mfa=True, email_preferred=True)
    s = run_browser(browser_node, "mfa_email",
                    base_cfg(e, kit, username=u.username, password=PASSWORD, email=u.email, codesUrl=code_endpoint),
                    tmp_path)
    c = s["codePage"]
    assert c["path"] == "/login" and c["step"] == "code" and c["error"] is None, c
    assert c["description"] == [f"We sent a code to {mask(u.email)}."], c
    assert "@" in c["description"][0] and u.email not in c["description"][0]
    assert s["claims"]["cognito:username"] == u.username and s["claims"]["email"] == u.email


def test_email_set_up_on_the_page(browser_node, envs, kit, code_endpoint, tmp_path):  # noqa: F811
    e = envs.both_on
    username = unique("hsetmail").lower()
    kit.admin_user(e.pool, username)  # no email yet: the page sets it up
    address = new_email("hsetmail")
    s = run_browser(browser_node, "mfa_setup_email",
                    base_cfg(e, kit, username=username, password=PASSWORD, email=address, codesUrl=code_endpoint),
                    tmp_path)
    ch = s["choicePage"]
    assert ch["step"] == "setup-choose" and ch["error"] is None, ch
    assert [(c["value"], c["label"]) for c in ch["setupChoices"]] == [
        ("SOFTWARE_TOKEN_MFA", "Authenticator app"), ("EMAIL_OTP", "Email")], ch
    em = s["emailPage"]
    assert em["step"] == "setup-email" and em["error"] is None, em
    c = s["codePage"]
    assert c["step"] == "code" and c["description"] == [f"We sent a code to {mask(address)}."], c
    assert s["claims"]["cognito:username"] == username
    assert s["claims"]["email"] == address and s["claims"]["email_verified"] is True, s["claims"]
    m = mfa_settings(kit, e.pool, username)
    assert m["attributes"]["email"] == address and m["attributes"]["email_verified"] == "true", m
    assert "EMAIL_OTP" in m["list"] and m["preferred"] == "EMAIL_OTP", m


def test_choice_page_then_the_authenticator_app(browser_node, envs, kit, tmp_path):  # noqa: F811
    e, u = envs.optional, envs.chooser
    s = run_browser(browser_node, "mfa_choose",
                    base_cfg(e, kit, username=u.username, password=PASSWORD, totpSecret=u.totp.secret,
                             lastStep=u.totp.last_step), tmp_path)
    ch = s["choicePage"]
    assert ch["path"] == "/login" and ch["step"] == "choose" and ch["error"] is None, ch
    assert ch["heading"] == "Choose how to verify", ch
    assert sorted((a["value"], a["label"]) for a in ch["answers"]) == [
        ("EMAIL_OTP", "Email"), ("SOFTWARE_TOKEN_MFA", "Authenticator app")], ch
    c = s["codePage"]
    assert c["step"] == "code" and c["description"] == ["Enter the code from your authenticator app."], c
    assert_pyotp_agrees(u.totp.secret, s["codesUsed"])
    assert s["codesUsed"][0]["step"] > u.totp.last_step
    assert s["claims"]["cognito:username"] == u.username
    # Choosing the app mailed nothing.
    kit.sink.assert_no_new_message(u.email, within=0.5)
