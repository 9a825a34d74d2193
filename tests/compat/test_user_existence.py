"""No user-existence oracle when a client has PreventUserExistenceErrors = ENABLED. The security review found:
USER_SRP_AUTH answering USER_ID_FOR_SRP with the typed name for a real user but a UUID for a missing one;
ForgotPassword and ResendConfirmationCode answering a constant fake destination; errors only real users could get
(already confirmed, no verified email, attempt limits, LimitExceeded after repeated requests, the sign-in lock).
Each test drives a real user and a missing one through the same calls and asserts the answers cannot be told
apart."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError

from conftest import unique
from userlib import PASSWORD, PASSWORD2, UUID_RE, new_email

MASKED_EMAIL = re.compile(r"^[^*@]\*\*\*@[^*@]\*\*\*$")


def outcome(call) -> str:
    """'OK' or 'Code: message' — what an attacker sees, without values that differ per request."""
    try:
        r = call()
    except ClientError as e:
        return f'{e.response["Error"]["Code"]}: {e.response["Error"]["Message"]}'
    d = r.get("CodeDeliveryDetails")
    if d:
        return f'OK {d["DeliveryMedium"]} {d["AttributeName"]}'
    return "OK"


@pytest.fixture
def hidden(kit):
    """A pool with users who choose their usernames, and a client that hides user existence."""
    pool = kit.pool()
    cid = kit.client(pool, PreventUserExistenceErrors="ENABLED")
    return pool, cid


def srp_user_id(kit, cid, name):
    r = kit.uidp.initiate_auth(ClientId=cid, AuthFlow="USER_SRP_AUTH",
                               AuthParameters={"USERNAME": name, "SRP_A": "ab" * 384})
    return r["ChallengeParameters"]["USER_ID_FOR_SRP"]


def test_srp_user_id_looks_the_same_for_real_and_missing_users(kit, hidden):
    pool, cid = hidden
    kit.admin_user(pool, "present", email=new_email("present"))
    assert srp_user_id(kit, cid, "present") == "present"
    assert srp_user_id(kit, cid, "absent") == "absent", "a UUID here says the user does not exist"
    # Where email is the sign-in name, internal usernames are UUIDs: real and simulated alike.
    email_pool = kit.pool(UsernameAttributes=["email"])
    ecid = kit.client(email_pool, PreventUserExistenceErrors="ENABLED")
    email = new_email("eu")
    kit.idp.admin_create_user(UserPoolId=email_pool, Username=email, MessageAction="SUPPRESS")
    assert UUID_RE.fullmatch(srp_user_id(kit, ecid, email))
    nobody = new_email("missing")
    missing = srp_user_id(kit, ecid, nobody)
    assert UUID_RE.fullmatch(missing) and missing == srp_user_id(kit, ecid, nobody), "stable per name"
    # Case-insensitive pools fold the name for both.
    ci_pool = kit.pool(UsernameConfiguration={"CaseSensitive": False})
    ccid = kit.client(ci_pool, PreventUserExistenceErrors="ENABLED")
    kit.admin_user(ci_pool, "mixed", email=new_email("mixed"))
    assert srp_user_id(kit, ccid, "MIXED") == "mixed"
    assert srp_user_id(kit, ccid, "GHOST") == "ghost"


def test_simulated_destinations_differ_by_name_and_look_real(kit, hidden):
    pool, cid = hidden
    seen = set()
    for i in range(12):
        name = f"nobody-{i}-{unique('n')}"
        d = kit.uidp.forgot_password(ClientId=cid, Username=name)["CodeDeliveryDetails"]
        again = kit.uidp.forgot_password(ClientId=cid, Username=name)["CodeDeliveryDetails"]
        assert d == again, "a simulated destination must be stable for the name"
        assert d["DeliveryMedium"] == "EMAIL" and d["AttributeName"] == "email"
        assert MASKED_EMAIL.fullmatch(d["Destination"]), d
        seen.add(d["Destination"])
    assert len(seen) >= 4, f"the simulated destination is (nearly) constant: {seen}"


def test_forgot_password_for_users_who_cannot_reset_reads_like_anyone_else(kit, hidden):
    pool, cid = hidden
    kit.admin_user(pool, "unverified", email=new_email("unverified"), verified=False)
    kit.admin_user(pool, "disabled", email=new_email("disabled"))
    kit.idp.admin_disable_user(UserPoolId=pool, Username="disabled")
    for name in ("unverified", "disabled", "nobody-at-all"):
        assert outcome(lambda: kit.uidp.forgot_password(ClientId=cid, Username=name)) == "OK EMAIL email", name


def test_resend_for_a_confirmed_user_reads_like_for_a_missing_one(kit, hidden):
    pool, cid = hidden
    kit.admin_user(pool, "confirmed", email=new_email("confirmed"))
    real = [outcome(lambda: kit.uidp.resend_confirmation_code(ClientId=cid, Username="confirmed"))
            for _ in range(7)]
    fake = [outcome(lambda: kit.uidp.resend_confirmation_code(ClientId=cid, Username="no-such-user"))
            for _ in range(7)]
    assert real == fake, (real, fake)
    assert real[0] == "OK EMAIL email" and real[-1].startswith("LimitExceededException"), real


def test_forgot_password_limits_apply_to_missing_users_too(kit, hidden):
    pool, cid = hidden
    kit.admin_user(pool, "limited", email=new_email("limited"))
    real = [outcome(lambda: kit.uidp.forgot_password(ClientId=cid, Username="limited")) for _ in range(12)]
    fake = [outcome(lambda: kit.uidp.forgot_password(ClientId=cid, Username="not-limited")) for _ in range(12)]
    assert real == fake, (real, fake)
    assert real[-1].startswith("LimitExceededException"), real


def test_confirm_sign_up_attempts_read_the_same(kit, hidden):
    pool, cid = hidden
    email = new_email("unconf")
    kit.uidp.sign_up(ClientId=cid, Username="unconf", Password=PASSWORD,
                     UserAttributes=[{"Name": "email", "Value": email}])
    code = kit.sink.next_code(email)
    wrong = "000000" if code != "000000" else "111111"
    kit.admin_user(pool, "alreadyconfirmed", email=new_email("ac"))

    def tries(name):
        return [outcome(lambda: kit.uidp.confirm_sign_up(ClientId=cid, Username=name, ConfirmationCode=wrong))
                for _ in range(7)]

    unconfirmed, confirmed, missing = tries("unconf"), tries("alreadyconfirmed"), tries("nobody-here")
    assert unconfirmed == confirmed == missing, (unconfirmed, confirmed, missing)
    assert unconfirmed[0].startswith("CodeMismatchException"), unconfirmed


def test_confirm_forgot_password_reads_the_same_with_and_without_a_request(kit, hidden):
    pool, cid = hidden
    kit.admin_user(pool, "resetter", email=new_email("resetter"))

    def guess(name):
        return outcome(lambda: kit.uidp.confirm_forgot_password(ClientId=cid, Username=name,
                                                                ConfirmationCode="000000", Password=PASSWORD2))

    # Nothing requested yet: an expired (missing) code for both.
    assert guess("resetter") == guess("ghost-resetter")
    assert guess("resetter").startswith("ExpiredCodeException")
    kit.uidp.forgot_password(ClientId=cid, Username="resetter")
    kit.uidp.forgot_password(ClientId=cid, Username="ghost-resetter")
    real = [guess("resetter") for _ in range(6)]
    fake = [guess("ghost-resetter") for _ in range(6)]
    assert real == fake, (real, fake)


def test_sign_in_lockout_applies_to_missing_users_too(kit, hidden):
    pool, cid = hidden
    kit.admin_user(pool, "lockme", email=new_email("lockme"))

    def sign_in(name):
        return outcome(lambda: kit.uidp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                                                      AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD2}))

    real = [sign_in("lockme") for _ in range(6)]
    fake = [sign_in("ghost-lockme") for _ in range(6)]
    assert real == fake, (real, fake)
    assert real[-1] == "NotAuthorizedException: Password attempts exceeded", real
    # And a burst reads the same: at most five judged, for either.
    kit.admin_user(pool, "burstme", email=new_email("burstme"))

    def burst(name):
        with ThreadPoolExecutor(max_workers=20) as ex:
            got = list(ex.map(lambda _: sign_in(name), range(20)))
        return sum(o == "NotAuthorizedException: Incorrect username or password." for o in got)

    assert 1 <= burst("burstme") <= 5
    assert 1 <= burst("ghost-burstme") <= 5


def test_srp_answers_check_name_secret_and_device_in_the_same_order(kit, hidden):
    """A review found the simulated SRP path spent the SECRET_BLOCK before comparing USERNAME and ignored
    DEVICE_KEY, while a real user's was refused first: answering once with another name, then again with the same
    block, or sending any DEVICE_KEY, told the two apart."""
    from pycognito.aws_srp import AWSSRP

    pool, cid = hidden
    kit.admin_user(pool, "srp-real", email=new_email("srp-real"))

    def answers(name):
        srp = AWSSRP(username=name, password=PASSWORD2, pool_id=pool, client_id=cid, client=kit.uidp)
        got = []
        for tweak in ({"USERNAME": "someone-else"}, {}, {"DEVICE_KEY": "us-east-1_00000000-0000-0000-0000-000000000000"}):
            challenge = kit.uidp.initiate_auth(ClientId=cid, AuthFlow="USER_SRP_AUTH",
                                               AuthParameters=srp.get_auth_params())
            responses = srp.process_challenge(challenge["ChallengeParameters"], srp.get_auth_params())
            got.append(outcome(lambda: kit.uidp.respond_to_auth_challenge(
                ClientId=cid, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses={**responses, **tweak})))
            if tweak.get("USERNAME"):
                # The same block again, with the right name.
                got.append(outcome(lambda: kit.uidp.respond_to_auth_challenge(
                    ClientId=cid, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=responses)))
        return got

    real, fake = answers("srp-real"), answers("srp-ghost")
    assert real == fake, (real, fake)
    assert real[3].startswith("ResourceNotFoundException"), real


def test_confirm_sign_up_in_a_pool_that_verifies_nothing(kit):
    # Sign-up sends no code where nothing is verified: every guess finds no code, for real and missing users.
    pool = kit.pool(AutoVerifiedAttributes=[])
    cid = kit.client(pool, PreventUserExistenceErrors="ENABLED")
    kit.uidp.sign_up(ClientId=cid, Username="quiet", Password=PASSWORD)

    def guess(name):
        return outcome(lambda: kit.uidp.confirm_sign_up(ClientId=cid, Username=name, ConfirmationCode="123456"))

    assert guess("quiet") == guess("ghost-quiet")
    assert guess("quiet").startswith("ExpiredCodeException"), guess("quiet")
