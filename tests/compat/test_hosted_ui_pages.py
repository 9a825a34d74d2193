"""The hosted UI's pages over plain HTTP (a browser without JavaScript, see test_oidc_endpoints.HttpBrowser): sign-up
with email as the username, the resend button, unconfirmed and disabled users, sessions that belong to one pool, and
— with the server's clock moved by libfaketime — codes that expire after five minutes and sessions after an hour."""

from __future__ import annotations

import re
import secrets
import time
import urllib.parse

import pytest

from conftest import unique
from test_oidc_endpoints import (CALLBACK, HttpBrowser, exchange, forms, query_of, sign_in, submit,
                                 authorize_path)
from test_srp_wire import MovableClock
from userlib import PASSWORD, Kit, jwt_claims, new_email

OAUTH = dict(AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["code"],
             AllowedOAuthScopes=["openid", "email", "profile"], SupportedIdentityProviders=["COGNITO"],
             CallbackURLs=[CALLBACK])


def alert(page: bytes):
    m = re.search(r'role="alert"[^>]*>([^<]*)<', page.decode())
    return m.group(1).strip() if m else None


def status_notice(page: bytes):
    m = re.search(r'role="status"[^>]*>([^<]*)<', page.decode())
    return m.group(1).strip() if m else None


def q(client_id: str, **extra) -> str:
    return urllib.parse.urlencode({"response_type": "code", "client_id": client_id, "redirect_uri": CALLBACK,
                                   "state": "pg", **extra})


@pytest.fixture
def pool_app(kit: Kit):
    made = []

    def make(**pool_kw):
        pool = kit.pool(**pool_kw)
        made.append(pool)
        return pool, kit.app(pool, ClientName="hosted", **OAUTH)["ClientId"]

    yield make
    for p in made:
        kit.idp.delete_user_pool(UserPoolId=p)


def test_sign_up_with_email_as_username(kit, pool_app):
    pool, cid = pool_app(UsernameAttributes=["email"])
    email = new_email("eu")
    b = HttpBrowser(kit.server)
    page = b.get(f"/signup?{q(cid)}")
    assert page.status == 200
    _, hidden, visible = forms(page.body)[0]
    assert "username" not in visible and {"email", "password"} <= set(visible), visible
    r = submit(b, page.body, {"email": email, "password": PASSWORD})
    assert r.status == 302, r
    loc = r.header("Location")
    assert loc.startswith("/confirm?"), loc
    internal = query_of(loc)["username"]
    sub = kit.idp.admin_get_user(UserPoolId=pool, Username=email)
    assert internal == sub["Username"], "the confirm page carries the internal username (the sub)"
    page = b.get(loc)
    r = submit(b, page.body, {"code": kit.sink.next_code(email)})
    assert r.status == 302 and r.header("Location").startswith(CALLBACK + "?"), r
    code = query_of(r.header("Location"))["code"]
    t = exchange_for(kit, cid, code)
    assert jwt_claims(t["id_token"])["email"] == email
    # The sign-in page asks for the email, and accepts it.
    page = HttpBrowser(kit.server).get(f"/login?{q(cid)}")
    assert re.search(r'<label[^>]*for="username"[^>]*>Email<', page.body.decode()), page.body[:2000]
    loc = sign_in(HttpBrowser(kit.server), email, client_id=cid, response_type="code", redirect_uri=CALLBACK)
    assert loc.startswith(CALLBACK + "?code="), loc


def exchange_for(kit, cid, code):
    class E:
        server = kit.server
        public = cid

    r = exchange(E, code)
    assert r.status == 200, r
    return r.json()


def test_sign_up_errors_and_resend(kit, pool_app):
    pool, cid = pool_app()
    b = HttpBrowser(kit.server)
    username, email = unique("su").lower(), new_email("su")
    page = b.get(f"/signup?{q(cid)}")
    r = submit(b, page.body, {"username": username, "email": email, "password": "weak"})
    assert r.status == 200 and alert(r.body) and "password" in alert(r.body).lower(), r
    assert f'value="{email}"' in r.body.decode(), "the form keeps what was typed (except the password)"
    r = submit(b, r.body, {"username": username, "email": email, "password": PASSWORD})
    assert r.status == 302, r
    first = kit.sink.next_code(email)
    page = b.get(r.header("Location"))
    # The second form asks for a new code.
    r = submit(b, page.body, {}, index=1)
    assert r.status == 200 and status_notice(r.body) == "We sent you a new code.", r
    second = kit.sink.next_code(email)
    r = submit(b, r.body, {"code": "000000" if second != "000000" else "111111"})
    assert r.status == 200 and "Invalid verification code" in (alert(r.body) or ""), r
    r = submit(b, r.body, {"code": second})
    assert r.status == 302 and r.header("Location").startswith(CALLBACK + "?"), (first, second, r)
    # Signing up again with the same username.
    page = HttpBrowser(kit.server).get(f"/signup?{q(cid)}")
    r = submit(HttpBrowser(kit.server), page.body, {"username": username, "email": email, "password": PASSWORD})
    assert r.status == 403, "another browser's form token is refused"
    b2 = HttpBrowser(kit.server)
    page = b2.get(f"/signup?{q(cid)}")
    r = submit(b2, page.body, {"username": username, "email": new_email("su2"), "password": PASSWORD})
    assert r.status == 200 and alert(r.body) == "User already exists", r


def test_sign_up_not_allowed_when_admin_only(kit, pool_app):
    pool, cid = pool_app(AdminCreateUserConfig={"AllowAdminCreateUserOnly": True})
    page = HttpBrowser(kit.server).get(f"/login?{q(cid)}")
    assert page.status == 200 and b"/signup?" not in page.body
    r = HttpBrowser(kit.server).get(f"/signup?{q(cid)}")
    assert r.status in (400, 403) and r.header("Location") is None, r


def test_unconfirmed_user_is_sent_to_the_confirm_page(kit, pool_app):
    pool, cid = pool_app()
    api = kit.client(pool)
    username, email = unique("uc").lower(), new_email("uc")
    kit.sign_up(api, username, email=email, confirm=False)
    kit.sink.next_code(email)  # the sign-up code
    b = HttpBrowser(kit.server)
    page = b.get(f"/login?{q(cid)}")
    r = submit(b, page.body, {"username": username, "password": PASSWORD})
    assert r.status == 200, r
    action, hidden, visible = forms(r.body)[0]
    assert action.startswith("/confirm?") and "code" in visible and hidden.get("username") == username, r.body[:3000]
    r = submit(b, r.body, {"code": kit.sink.next_code(email)})
    assert r.status == 302, r
    # Confirmed, but this browser did not sign up: it signs in as usual.
    assert r.header("Location").startswith("/login?") or r.header("Location").startswith(CALLBACK), r
    assert kit.idp.admin_get_user(UserPoolId=pool, Username=username)["UserStatus"] == "CONFIRMED"


def test_disabled_user_and_a_disabled_session(kit, pool_app):
    pool, cid = pool_app()
    kit.admin_user(pool, "dis", email=new_email("dis"))
    b = HttpBrowser(kit.server)
    loc = sign_in(b, "dis", client_id=cid, response_type="code", redirect_uri=CALLBACK)
    assert loc.startswith(CALLBACK + "?")
    kit.idp.admin_disable_user(UserPoolId=pool, Username="dis")
    # The live session no longer signs the user in ...
    r = b.get(authorize_path(response_type="code", client_id=cid, redirect_uri=CALLBACK))
    assert r.status == 302 and r.header("Location").startswith("/login?"), r
    # ... and the form says why.
    page = b.get(r.header("Location"))
    r = submit(b, page.body, {"username": "dis", "password": PASSWORD})
    assert r.status == 200 and alert(r.body) == "User is disabled.", r


def test_a_session_belongs_to_its_pool(kit, pool_app):
    pool_a, cid_a = pool_app()
    pool_b, cid_b = pool_app()
    kit.admin_user(pool_a, "same", email=new_email("xa"))
    kit.admin_user(pool_b, "same", email=new_email("xb"))
    b = HttpBrowser(kit.server)
    assert sign_in(b, "same", client_id=cid_a, response_type="code", redirect_uri=CALLBACK).startswith(CALLBACK)
    r = b.get(authorize_path(response_type="code", client_id=cid_b, redirect_uri=CALLBACK))
    assert r.status == 302 and r.header("Location").startswith("/login?"), "pool A's session must not sign in to B"
    # Another client of the same pool shares the session (single sign-on).
    cid_a2 = kit.app(pool_a, ClientName="second", **OAUTH)["ClientId"]
    r = b.get(authorize_path(response_type="code", client_id=cid_a2, redirect_uri=CALLBACK))
    assert r.status == 302 and r.header("Location").startswith(CALLBACK + "?"), r


def test_session_keeps_the_original_auth_time(kit, pool_app):
    pool, cid = pool_app()
    kit.admin_user(pool, "at", email=new_email("at"))
    b = HttpBrowser(kit.server)
    first = query_of(sign_in(b, "at", client_id=cid, response_type="code", redirect_uri=CALLBACK))["code"]
    t1 = exchange_for(kit, cid, first)
    time.sleep(1.2)
    r = b.get(authorize_path(response_type="code", client_id=cid, redirect_uri=CALLBACK, nonce="n2"))
    t2 = exchange_for(kit, cid, query_of(r.header("Location"))["code"])
    c1, c2 = jwt_claims(t1["id_token"]), jwt_claims(t2["id_token"])
    assert c2["nonce"] == "n2" and "nonce" not in c1
    assert c2["auth_time"] == c1["auth_time"], "a session reuse is not a new authentication"
    assert c2["iat"] > c1["iat"]


def test_state_and_callback_query_are_kept_intact(kit, pool_app):
    pool, _ = pool_app()
    cb = "http://localhost:3000/cb?tenant=a%20b&x=1"
    cid = kit.app(pool, ClientName="q", **{**OAUTH, "CallbackURLs": [cb]})["ClientId"]
    kit.admin_user(pool, "st", email=new_email("st"))
    state = "a b&c=d/é?#%"
    loc = sign_in(HttpBrowser(kit.server), "st", client_id=cid, response_type="code", redirect_uri=cb, state=state)
    u = urllib.parse.urlsplit(loc)
    assert f"{u.scheme}://{u.netloc}{u.path}" == "http://localhost:3000/cb" and not u.fragment, loc
    qs = urllib.parse.parse_qs(u.query)
    assert qs["tenant"] == ["a b"] and qs["x"] == ["1"] and qs["state"] == [state] and len(qs["code"]) == 1, loc


# --------------------------------------------------------------------------------------------------------------
# With a movable clock
# --------------------------------------------------------------------------------------------------------------


def test_codes_expire_after_five_minutes_and_sessions_after_an_hour(server_factory, tmp_path, monkeypatch):
    clock = MovableClock(server_factory, tmp_path, monkeypatch)
    k = Kit(clock.server, None)
    pool = k.pool(AutoVerifiedAttributes=[])
    cid = k.app(pool, ClientName="clock", **OAUTH)["ClientId"]
    k.admin_user(pool, "tick", email=new_email("tick"))
    b = HttpBrowser(clock.server)
    code_a = query_of(sign_in(b, "tick", client_id=cid, response_type="code", redirect_uri=CALLBACK))["code"]
    r = b.get(authorize_path(response_type="code", client_id=cid, redirect_uri=CALLBACK))
    code_b = query_of(r.header("Location"))["code"]
    clock.move_to(4 * 60 + 30)
    assert exchange_for(k, cid, code_a)["access_token"]
    clock.move_to(5 * 60 + 30)

    class E:
        server = clock.server
        public = cid

    r = exchange(E, code_b)
    assert r.status == 400 and r.json()["error"] == "invalid_grant", r
    # A session unused for 59 minutes still answers; one unused for 61 does not. (`later` holds the cookie as it
    # was at sign-in: using a session may renew it, so `b` is not used again.)
    later = HttpBrowser(clock.server)
    later.cookies = dict(b.cookies)
    clock.move_to(59 * 60)
    r = b.get(authorize_path(response_type="code", client_id=cid, redirect_uri=CALLBACK))
    assert r.header("Location").startswith(CALLBACK + "?"), r
    clock.move_to(61 * 60)
    r = later.get(authorize_path(response_type="code", client_id=cid, redirect_uri=CALLBACK))
    assert r.status == 302 and r.header("Location").startswith("/login?"), r


def test_confirming_one_sign_up_never_signs_in_another(kit, pool_app):
    """The account-takeover the security review found: a browser that signed up account A (with a victim's email,
    whose code it never sees) keeps A's sign-up marker, confirms its own account B with B's code, and was sent back
    to the app with a code that redeemed to tokens for A, still UNCONFIRMED."""
    pool, cid = pool_app()
    attacker = HttpBrowser(kit.server)
    victim_name, victim_email = unique("victim").lower(), new_email("victim")
    page = attacker.get(f"/signup?{q(cid)}")
    r = submit(attacker, page.body, {"username": victim_name, "email": victim_email, "password": PASSWORD})
    assert r.status == 302 and r.header("Location").startswith("/confirm?"), r
    # B is signed up elsewhere, with the attacker's own mailbox.
    own_name, own_email = unique("own").lower(), new_email("own")
    other = HttpBrowser(kit.server)
    page = other.get(f"/signup?{q(cid)}")
    r = submit(other, page.body, {"username": own_name, "email": own_email, "password": PASSWORD})
    assert r.status == 302, r
    # The attacker's browser, still holding A's marker, confirms B.
    page = attacker.get(f"/confirm?{q(cid, username=own_name)}")
    r = submit(attacker, page.body, {"code": kit.sink.next_code(own_email)})
    assert r.status == 302, r
    loc = r.header("Location")
    assert loc.startswith("/login?") and "notice=confirmed" in loc, f"confirmation signed somebody in: {loc}"
    assert kit.idp.admin_get_user(UserPoolId=pool, Username=victim_name)["UserStatus"] == "UNCONFIRMED"
    assert kit.idp.admin_get_user(UserPoolId=pool, Username=own_name)["UserStatus"] == "CONFIRMED"
    # And the authorize endpoint has no session for either account in that browser.
    r = attacker.get(f"/oauth2/authorize?{q(cid)}")
    assert r.status == 302 and r.header("Location").startswith("/login?"), r
