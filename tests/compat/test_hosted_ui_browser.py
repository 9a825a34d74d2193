"""The hosted UI in a real browser: playwright-core (npm) driving Debian's Chromium at /usr/bin/chromium, with
openid-client v6 as the application (discovery against our issuer, PKCE, state, nonce, ID-token validation,
userinfo). The scripts are node/hosted_browser.mjs; the application's callback and logout URLs are intercepted in
the browser (page.route), so no application runs. Mailed codes come from the session SMTP sink through the small
code endpoint of test_node_clients.py.

Needs node, `npm ci` in tests/compat/node (run here when openid-client or playwright-core is missing) and
`apt-get install -y chromium`. Without them the tests skip, or fail when CI is set. Screenshots land in the test's
temp dir (see the test output on a failure)."""

from __future__ import annotations

import json
import os
import struct
import time
import zlib
from pathlib import Path

import pytest

from conftest import assert_client_error, free_port, unique
from nodelib import ensure_packages, missing
from test_node_clients import code_endpoint, node, run_node  # noqa: F401 (fixtures)
from userlib import PASSWORD, PASSWORD2, Kit, attr_map, new_email

CHROMIUM = Path(os.environ.get("LATCHKEY_CHROMIUM", "/usr/bin/chromium"))
SCOPES = ["openid", "email", "profile", "aws.cognito.signin.user.admin"]


@pytest.fixture(scope="session")
def browser_node(node):  # noqa: F811
    """node, with openid-client and playwright-core installed and Debian's Chromium present."""
    ensure_packages(["openid-client", "playwright-core"])
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} not found (apt-get install -y chromium)")
    return node


def run_browser(node, scenario: str, cfg: dict, tmp_path: Path) -> dict:
    shots = tmp_path / "screenshots"
    shots.mkdir(exist_ok=True)
    cfg = {"chromium": str(CHROMIUM), "shotDir": str(shots), **cfg}
    f = tmp_path / f"{scenario}-{time.monotonic_ns()}.json"
    f.write_text(json.dumps(cfg))
    rc, out, err = run_node(node, "hosted_browser.mjs", scenario, str(f), timeout=150)
    assert rc == 0 and out["ok"], (
        f"{scenario} failed at step {out.get('step')!r}: {out.get('error')}: {out.get('message')}\n"
        f"cause: {out.get('cause')}\nsteps so far: {json.dumps(out.get('steps'), indent=1)[:4000]}\n"
        f"stack: {out.get('stack')}\nstderr: {err[-2000:]}\nscreenshots: {shots}")
    return out["steps"]


class Env:
    pass


@pytest.fixture(scope="module")
def env(kit: Kit):
    """A pool that requires given_name (so the sign-up page asks for it), a public code+PKCE client and a
    confidential one. The callback and logout URLs are on a free loopback port where the script listens."""
    e = Env()
    e.kit = kit
    port = free_port()
    e.callback, e.logout = f"http://localhost:{port}/callback", f"http://localhost:{port}/signed-out"
    e.pool = kit.pool(Schema=[{"Name": "given_name", "AttributeDataType": "String", "Required": True,
                               "Mutable": True}])
    e.issuer = kit.issuer(e.pool)
    oauth = dict(AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["code"], AllowedOAuthScopes=SCOPES,
                 SupportedIdentityProviders=["COGNITO"], CallbackURLs=[e.callback], LogoutURLs=[e.logout])
    e.public = kit.app(e.pool, ClientName="spa", **oauth)["ClientId"]
    conf = kit.app(e.pool, ClientName="web", GenerateSecret=True, **oauth)
    e.conf, e.conf_secret = conf["ClientId"], conf["ClientSecret"]
    yield e
    kit.idp.delete_user_pool(UserPoolId=e.pool)


def base_cfg(env, kit, client_id=None, secret=None, **kw) -> dict:
    cfg = {"endpoint": kit.endpoint, "issuer": env.issuer, "clientId": client_id or env.public,
           "redirectUri": env.callback, "logoutUri": env.logout}
    if secret:
        cfg["clientSecret"] = secret
    cfg.update(kw)
    return cfg


def test_sign_up_confirm_callback_logout_and_sign_in_again(browser_node, env, kit, code_endpoint, tmp_path):  # noqa: F811
    username = unique("web").lower()
    email = new_email("hosted")
    s = run_browser(browser_node, "signup", base_cfg(env, kit, username=username, email=email, password=PASSWORD,
                                                     attrs={"given_name": "Grace"}, codesUrl=code_endpoint),
                    tmp_path)
    assert s["discoveredIssuer"] == env.issuer
    assert s["firstPage"]["path"] == "/login" and s["loginFormShown"]
    assert s["afterSignup"]["path"] == "/confirm" and s["afterSignup"]["error"] is None, s["afterSignup"]
    assert s["confirmUsername"] == username
    assert s["resendButton"]
    assert s["wrongCode"]["path"] == "/confirm" and s["wrongCode"]["error"], s["wrongCode"]
    assert "code" in s["callbackQuery"] and "state" in s["callbackQuery"]
    # Tokens, validated by openid-client (signature via jwks_uri, iss, aud, nonce, PKCE, state).
    assert s["idHeader"]["alg"] == "RS256"
    idc = s["idClaims"]
    assert idc["iss"] == env.issuer and idc["aud"] == env.public and idc["token_use"] == "id"
    assert idc["cognito:username"] == username and idc["email"] == email and idc["email_verified"] is True
    assert idc["given_name"] == "Grace" and idc["nonce"] and idc["at_hash"]
    ac = s["accessClaims"]
    assert set(ac["scope"].split()) == {"openid", "email", "profile"} and ac["version"] == 2
    assert ac["client_id"] == env.public and ac["username"] == username
    assert "refresh_token" in s["tokenKeys"] and "id_token" in s["tokenKeys"]
    ui = s["userinfo"]
    assert ui["sub"] == idc["sub"] and ui["username"] == username and ui["email"] == email
    assert ui["email_verified"] == "true" and ui["given_name"] == "Grace"
    # Session cookie, reused without a form, cleared by logout; then the form is shown again.
    c = s["sessionCookie"]
    assert c and c["httpOnly"] and c["sameSite"] == "Lax" and 3500 <= c["secondsLeft"] <= 3600, c
    assert s["sessionSkippedForm"] and s["secondSub"] == idc["sub"]
    assert s["afterLogoutUrl"] == env.logout and s["sessionCookieAfterLogout"] is None
    assert s["formShownAgain"] and s["thirdSub"] == idc["sub"] and s["callbackCount"] == 3
    u = kit.idp.admin_get_user(UserPoolId=env.pool, Username=username)
    assert u["UserStatus"] == "CONFIRMED"
    assert attr_map(u["UserAttributes"])["email_verified"] == "true"


def test_forgot_password_through_the_pages(browser_node, env, kit, code_endpoint, tmp_path):  # noqa: F811
    username = unique("fp").lower()
    email = new_email("fp")
    cid_api = kit.client(env.pool)  # an API client to create and later check the user
    kit.sign_up(cid_api, username, email=email, extra={"given_name": "Ada"})
    s = run_browser(browser_node, "forgot", base_cfg(env, kit, username=username, email=email, password=PASSWORD,
                                                     newPassword=PASSWORD2, codesUrl=code_endpoint), tmp_path)
    assert s["confirmPage"]["path"] == "/confirmForgotPassword"
    assert s["afterReset"]["path"] == "/login"
    assert "Your password has been reset" in (s["afterReset"]["notice"] or ""), s["afterReset"]
    assert s["oldPassword"]["error"] == "Incorrect username or password.", s["oldPassword"]
    assert s["claims"]["cognito:username"] == username
    assert s["userinfo"]["email"] == email
    kit.sign_in(cid_api, username, PASSWORD2)


def test_wrong_password_shows_the_error(browser_node, env, kit, tmp_path):
    username = unique("wp").lower()
    kit.admin_user(env.pool, username, email=new_email("wp"), extra={"given_name": "Wes"})
    s = run_browser(browser_node, "wrong_password", base_cfg(env, kit, username=username, password=PASSWORD),
                    tmp_path)
    p = s["page"]
    assert p["path"] == "/login" and p["error"] == "Incorrect username or password.", p
    assert s["errorVisible"] and s["describedBy"] == "error"
    assert s["usernameKept"] == username
    assert s["sessionCookie"] is None and s["callbacks"] == 0
    assert s["claims"]["cognito:username"] == username


def test_new_password_page_for_an_admin_created_user(browser_node, env, kit, tmp_path):
    username = unique("np").lower()
    temp = "Temp0rary!Pass"
    kit.invited_user(env.pool, username, email=new_email("np"), extra={"given_name": "Nia"}, temporary_password=temp)
    assert kit.idp.admin_get_user(UserPoolId=env.pool, Username=username)["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    s = run_browser(browser_node, "new_password",
                    base_cfg(env, kit, client_id=env.conf, secret=env.conf_secret, username=username,
                             temporaryPassword=temp, password=PASSWORD), tmp_path)
    np = s["newPasswordPage"]
    assert np["heading"] == "Change your password" and np["error"] is None, np
    assert s["attributeFields"] == [], "every required attribute is already set"
    assert s["passwordAutocomplete"] == "new-password"
    assert s["weakPassword"]["error"] and "policy" in s["weakPassword"]["error"].lower(), s["weakPassword"]
    assert s["idHeader"]["alg"] == "RS256"
    assert s["claims"]["cognito:username"] == username and s["claims"]["aud"] == env.conf
    assert s["userinfo"]["username"] == username
    assert kit.idp.admin_get_user(UserPoolId=env.pool, Username=username)["UserStatus"] == "CONFIRMED"


# --------------------------------------------------------------------------------------------------------------
# UI customization
# --------------------------------------------------------------------------------------------------------------


def tiny_png(width: int = 48, height: int = 24, rgb=(10, 80, 200)) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


RED_CSS = ".submitButton-customizable { background-color: rgb(255, 0, 0); }"


@pytest.fixture
def custom_pool(kit: Kit):
    pool = kit.pool()
    port = free_port()
    e = Env()
    e.issuer = kit.issuer(pool)
    e.callback, e.logout = f"http://localhost:{port}/callback", f"http://localhost:{port}/signed-out"
    cid = kit.app(pool, ClientName="branded", AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["code"],
                  AllowedOAuthScopes=["openid", "email"], SupportedIdentityProviders=["COGNITO"],
                  CallbackURLs=[e.callback], LogoutURLs=[e.logout])["ClientId"]
    yield pool, cid, e
    kit.idp.delete_user_pool(UserPoolId=pool)


def test_customized_sign_in_page(browser_node, kit, custom_pool, tmp_path):
    pool, cid, env = custom_pool
    png = tiny_png()
    r = kit.idp.set_ui_customization(UserPoolId=pool, ClientId=cid, CSS=RED_CSS, ImageFile=png)
    assert r["UICustomization"]["CSS"] == RED_CSS
    got = kit.idp.get_ui_customization(UserPoolId=pool, ClientId=cid)["UICustomization"]
    assert got["CSS"] == RED_CSS and got["ClientId"] == cid and got.get("ImageUrl"), got
    s = run_browser(browser_node, "customized", base_cfg(env, kit, client_id=cid), tmp_path)
    assert s["path"] == "/login"
    assert s["buttonBackground"] == "rgb(255, 0, 0)", s
    assert s["logoCount"] == 1 and s["logoVisible"] and s["logoLoaded"], s
    assert s["cspBlocked"] == [], s["cspBlocked"]
    shot = Path(s["screenshot"])
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 2000


@pytest.mark.parametrize("css", [
    ".banner-customizable { color: red; } <script>alert(1)</script>",
    ".submitButton-customizable { width: expression(alert(1)); }",
    ".banner-customizable { background-image: url(javascript:alert(1)); }",
    ".banner-customizable { background-image: url('JavaScript:alert(1)'); }",
])
def test_unsafe_css_is_refused(kit, custom_pool, css):
    pool, cid, _ = custom_pool
    with pytest.raises(kit.idp.exceptions.ClientError) as e:
        kit.idp.set_ui_customization(UserPoolId=pool, ClientId=cid, CSS=css)
    assert_client_error(e, "InvalidParameterException")
