"""Every way a password sign-in can fail, with Cognito's error codes and messages: unknown user (LEGACY / ENABLED
PreventUserExistenceErrors), wrong password, unconfirmed, disabled, RESET_REQUIRED, lockout, flows not enabled,
client secrets (SECRET_HASH), unknown clients."""

import time

import pytest
from botocore.exceptions import ClientError

from conftest import assert_client_error, client_error
from userlib import PASSWORD, PASSWORD2, attr_map, jwt_claims, new_email, secret_hash

INCORRECT = "Incorrect username or password."


def both_flows(kit, pool, cid, username, password):
    """Yields a callable per password flow (USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH)."""
    return [
        ("USER_PASSWORD_AUTH", lambda: kit.sign_in(cid, username, password)),
        ("ADMIN_USER_PASSWORD_AUTH", lambda: kit.admin_sign_in(pool, cid, username, password)),
    ]


def test_unknown_user_legacy_vs_enabled(kit):
    pool = kit.pool()
    legacy = kit.client(pool, PreventUserExistenceErrors="LEGACY")
    enabled = kit.client(pool, PreventUserExistenceErrors="ENABLED")
    for name, call in both_flows(kit, pool, legacy, "nobody", PASSWORD):
        with client_error("UserNotFoundException", message_contains=["User does not exist."]):
            call()
    for name, call in both_flows(kit, pool, enabled, "nobody", PASSWORD):
        with client_error("NotAuthorizedException", message_contains=[INCORRECT]):
            call()


def test_wrong_password(kit, app):
    pool, cid = app
    kit.admin_user(pool, "wp", email=new_email("wp"))
    for name, call in both_flows(kit, pool, cid, "wp", PASSWORD2):
        with client_error("NotAuthorizedException", message_contains=[INCORRECT]):
            call()
    with pytest.raises(ClientError) as ex:
        kit.sign_in(cid, "wp", "")
    assert ex.value.response["Error"]["Code"] in ("NotAuthorizedException", "InvalidParameterException")
    kit.sign_in(cid, "wp")


def test_unconfirmed_user(kit, app):
    pool, cid = app
    email = new_email("unconf")
    kit.sign_up(cid, "unconf", email=email, confirm=False)
    for name, call in both_flows(kit, pool, cid, "unconf", PASSWORD):
        with client_error("UserNotConfirmedException"):
            call()
    # The wrong password is still just wrong.
    with client_error("NotAuthorizedException", message_contains=[INCORRECT]):
        kit.sign_in(cid, "unconf", PASSWORD2)


def test_disabled_user(kit, app):
    pool, cid = app
    kit.admin_user(pool, "off", email=new_email("off"))
    kit.idp.admin_disable_user(UserPoolId=pool, Username="off")
    for name, call in both_flows(kit, pool, cid, "off", PASSWORD):
        with client_error("NotAuthorizedException", message_contains=["User is disabled."]):
            call()


def test_reset_required_user(kit, app):
    pool, cid = app
    email = new_email("rreq")
    kit.admin_user(pool, "rreq", email=email)
    kit.idp.admin_reset_user_password(UserPoolId=pool, Username="rreq")
    kit.sink.next_code(email)
    for name, call in both_flows(kit, pool, cid, "rreq", PASSWORD):
        with client_error("PasswordResetRequiredException"):
            call()


def test_lockout_after_five_failures(kit, app):
    pool, cid = app
    kit.admin_user(pool, "lock", email=new_email("lock"))
    kit.admin_user(pool, "other", email=new_email("other"))

    def attempt(pw):
        try:
            kit.sign_in(cid, "lock", pw)
            return "OK"
        except ClientError as e:
            return f'{e.response["Error"]["Code"]}: {e.response["Error"]["Message"]}'

    for i in range(5):
        assert attempt(PASSWORD2) == f"NotAuthorizedException: {INCORRECT}", f"failure {i + 1}"
    # Locked for 1 s; keep failing (waiting out each lock) until 7 counted failures → a 4 s lock.
    counted, rejected_during_lock = 5, 0
    deadline = time.monotonic() + 30
    while counted < 7:
        assert time.monotonic() < deadline, "lock never expired"
        got = attempt(PASSWORD2)
        if got == f"NotAuthorizedException: {INCORRECT}":
            counted += 1
        else:
            assert got == "NotAuthorizedException: Password attempts exceeded", got
            rejected_during_lock += 1
            time.sleep(0.2)
    # Now locked for 2^(7-5) = 4 s: even the right password is refused.
    locked_at = time.monotonic()
    assert attempt(PASSWORD) == "NotAuthorizedException: Password attempts exceeded"
    assert attempt(PASSWORD) == "NotAuthorizedException: Password attempts exceeded"
    # The admin flow shares the counter.
    with client_error("NotAuthorizedException", message_contains=["Password attempts exceeded"]):
        kit.admin_sign_in(pool, cid, "lock", PASSWORD)
    # Other users are not affected.
    kit.sign_in(cid, "other")
    # Once the lock has passed, the right password works (attempts during the lock did not extend it).
    while True:
        got = attempt(PASSWORD)
        if got == "OK":
            break
        assert got == "NotAuthorizedException: Password attempts exceeded", got
        assert time.monotonic() - locked_at < 4 + 6, "lock lasted much longer than 4 s"
        time.sleep(0.25)
    elapsed = time.monotonic() - locked_at
    assert elapsed >= 2.5, f"lock after 7 failures lasted only {elapsed:.1f}s (want ~4 s)"
    # Success resets the counter: one wrong password is just wrong again.
    assert attempt(PASSWORD2) == f"NotAuthorizedException: {INCORRECT}"
    assert attempt(PASSWORD) == "OK"


def _burst(n, call):
    """Runs `call` n times at once; returns each outcome as "OK" or "Code: message"."""
    from concurrent.futures import ThreadPoolExecutor

    def one(_):
        try:
            call()
            return "OK"
        except ClientError as e:
            return f'{e.response["Error"]["Code"]}: {e.response["Error"]["Message"]}'

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


@pytest.mark.parametrize("flow", ["USER_PASSWORD_AUTH", "USER_SRP_AUTH"])
def test_parallel_wrong_passwords_are_judged_no_more_than_the_lockout_allows(kit, app, flow):
    """The review's burst: 34 parallel wrong passwords were all judged, because the lock was checked before the hash
    and the failure recorded after it. Only five may be judged before the first lock; the rest see the lock."""
    pool, cid = app
    kit.admin_user(pool, "burst", email=new_email("burst"))
    if flow == "USER_PASSWORD_AUTH":
        def wrong():
            kit.sign_in(cid, "burst", PASSWORD2)
    else:
        # The client's SRP math is slow Python: prepare 34 proofs first, then send the 34 answers at once.
        from pycognito.aws_srp import AWSSRP

        srp = AWSSRP(username="burst", password=PASSWORD2, pool_id=pool, client_id=cid, client=kit.uidp)
        answers = []
        for _ in range(34):
            challenge = kit.uidp.initiate_auth(ClientId=cid, AuthFlow="USER_SRP_AUTH",
                                               AuthParameters=srp.get_auth_params())
            answers.append(srp.process_challenge(challenge["ChallengeParameters"], srp.get_auth_params()))
        pending = iter(answers)

        def wrong():
            kit.uidp.respond_to_auth_challenge(ClientId=cid, ChallengeName="PASSWORD_VERIFIER",
                                               ChallengeResponses=next(pending))
    outcomes = _burst(34, wrong)
    judged = [o for o in outcomes if o == f"NotAuthorizedException: {INCORRECT}"]
    assert 1 <= len(judged) <= 5, outcomes
    assert all(o in (f"NotAuthorizedException: {INCORRECT}", "NotAuthorizedException: Password attempts exceeded",
                     "TooManyRequestsException: Too many sign-in attempts for this user are in progress; retry shortly.")
               or o.startswith("TooManyRequestsException") for o in outcomes), outcomes
    # At most five counted failures lock for a second, not the fifteen minutes 34 failures would: the right password
    # works again shortly.
    deadline = time.monotonic() + 20
    while True:
        try:
            kit.sign_in(cid, "burst")
            break
        except ClientError as e:
            assert e.response["Error"]["Message"] == "Password attempts exceeded", e.response
            assert time.monotonic() < deadline, "still locked: more than five failures were counted"
            time.sleep(0.25)


def test_parallel_right_passwords_all_succeed(kit, app):
    # Attempts wait for a place rather than fail: a burst of correct sign-ins of one user (a load test's shared test
    # account) all get tokens.
    pool, cid = app
    kit.admin_user(pool, "shared", email=new_email("shared"))
    outcomes = _burst(12, lambda: kit.sign_in(cid, "shared"))
    assert outcomes == ["OK"] * 12, outcomes


def test_flow_not_enabled(kit):
    pool = kit.pool()
    kit.admin_user(pool, "fl", email=new_email("fl"))
    srp_only = kit.client(pool, flows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    with pytest.raises(ClientError) as ex:
        kit.sign_in(srp_only, "fl")
    assert_client_error(ex, "InvalidParameterException",
                        message_contains=["USER_PASSWORD_AUTH flow not enabled for this client"])
    with client_error("InvalidParameterException"):
        kit.admin_sign_in(pool, srp_only, "fl")
    # ADMIN_USER_PASSWORD_AUTH only exists on the admin API.
    all_flows = kit.client(pool)
    with client_error("InvalidParameterException"):
        kit.uidp.initiate_auth(ClientId=all_flows, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": "fl", "PASSWORD": PASSWORD})


def test_unknown_client(kit, app):
    pool, cid = app
    with client_error("ResourceNotFoundException"):
        kit.sign_in("abcdefghijklmnopqrstuvwxyz", "x")
    with client_error("ResourceNotFoundException"):
        kit.idp.admin_initiate_auth(UserPoolId=pool, ClientId="abcdefghijklmnopqrstuvwxyz",
                                    AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                    AuthParameters={"USERNAME": "x", "PASSWORD": PASSWORD})


def test_missing_auth_parameters(kit, app):
    pool, cid = app
    with client_error("InvalidParameterException"):
        kit.uidp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "x"})
    with client_error("InvalidParameterException"):
        kit.uidp.initiate_auth(ClientId=cid, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={})
    with client_error("NotAuthorizedException"):
        kit.refresh(cid, "not-a-refresh-token")


def test_client_secret(kit):
    pool = kit.pool(UsernameAttributes=["email"])
    c = kit.app(pool, GenerateSecret=True)
    cid, secret = c["ClientId"], c["ClientSecret"]
    email = new_email("secret")
    kit.admin_user(pool, email, email=None, extra={"email": email, "email_verified": "true"})
    sub = kit.idp.admin_get_user(UserPoolId=pool, Username=email)["Username"]

    with pytest.raises(ClientError) as ex:
        kit.sign_in(cid, email)
    assert_client_error(ex, "NotAuthorizedException",
                        message_contains=[f"Client {cid} is configured with secret but SECRET_HASH was not received"])
    with client_error("NotAuthorizedException", message_contains=[f"Unable to verify secret hash for client {cid}"]):
        kit.sign_in(cid, email, SECRET_HASH=secret_hash(email, cid, "wrong-secret"))
    with pytest.raises(ClientError) as ex:
        kit.admin_sign_in(pool, cid, email)
    assert_client_error(ex, "NotAuthorizedException",
                        message_contains=[f"Client {cid} is configured with secret but SECRET_HASH was not received"])

    t = kit.sign_in(cid, email, SECRET_HASH=secret_hash(email, cid, secret))
    assert jwt_claims(t["IdToken"])["cognito:username"] == sub
    r = kit.idp.admin_initiate_auth(UserPoolId=pool, ClientId=cid, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                    AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD,
                                                    "SECRET_HASH": secret_hash(email, cid, secret)})
    assert "AuthenticationResult" in r

    # Refresh with a secret: SECRET_HASH over the internal username (the sub in an email pool).
    with client_error("NotAuthorizedException", message_contains=["SECRET_HASH was not received"]):
        kit.refresh(cid, t["RefreshToken"])
    fresh = kit.refresh(cid, t["RefreshToken"], SECRET_HASH=secret_hash(sub, cid, secret))
    assert jwt_claims(fresh["AccessToken"])["username"] == sub
    assert attr_map(kit.get_user(fresh["AccessToken"])["UserAttributes"])["email"] == email


def test_refresh_token_is_bound_to_its_client(kit, app):
    pool, cid = app
    other = kit.client(pool)
    kit.admin_user(pool, "bound", email=new_email("bound"))
    t = kit.sign_in(cid, "bound")
    with client_error("NotAuthorizedException"):
        kit.refresh(other, t["RefreshToken"])
    kit.refresh(cid, t["RefreshToken"])
