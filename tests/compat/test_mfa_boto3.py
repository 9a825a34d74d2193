"""Multi-factor sign-in through boto3 (and pycognito for SRP), with TOTP codes from pyotp and emailed codes from the
SMTP sink: enrolling an authenticator app with the access token (AssociateSoftwareToken, VerifySoftwareToken,
SetUserMFAPreference, GetUser), the SOFTWARE_TOKEN_MFA challenge after USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH
and USER_SRP_AUTH, wrong and replayed codes, MFA_SETUP in a pool where MFA is ON, EMAIL_OTP, SELECT_MFA_TYPE, a pool
whose MFA is OFF, sessions bound to their challenge, and wrong codes against the lockout.

A TOTP code is used at most once: mfalib.Totp hands out codes of ever later 30-second windows. The users of the
tests that only sign in are enrolled by a module fixture before the first test, so their next window has usually
come by the time they need it; the module waits for new windows for about a minute at most in all."""

from __future__ import annotations

import re
import subprocess
from contextlib import contextmanager
from typing import Optional

import boto3
import pytest
from botocore.exceptions import ClientError

from conftest import LATCHKEY_BIN, assert_fits_output, client_error, raw_call, unique
from mfalib import (CODE_MISMATCH, MfaUser, Totp, challenge, check_secret, json_list, mail_code, mfa_pool,
                    mfa_user)
from userlib import PASSWORD, Kit, mask, new_email, verify_token

TOTP_ONLY = ["SOFTWARE_TOKEN_MFA"]


# --------------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------------


def initiate(kit: Kit, u: MfaUser) -> dict:
    return kit.initiate(u.cid, u.username, u.password)


def admin_initiate(kit: Kit, u: MfaUser) -> dict:
    return kit.idp.admin_initiate_auth(UserPoolId=u.pool, ClientId=u.cid, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                       AuthParameters={"USERNAME": u.username, "PASSWORD": u.password})


def respond(kit: Kit, u: MfaUser, session: str, name: str, username: Optional[str] = None,
            client_id: Optional[str] = None, **answers) -> dict:
    return kit.uidp.respond_to_auth_challenge(
        ClientId=client_id or u.cid, ChallengeName=name, Session=session,
        ChallengeResponses={"USERNAME": username or u.username, **answers})


def answer_totp(kit: Kit, u: MfaUser, session: str, code: str, **kw) -> dict:
    return respond(kit, u, session, "SOFTWARE_TOKEN_MFA", SOFTWARE_TOKEN_MFA_CODE=code, **kw)


def tokens_of(kit: Kit, u: MfaUser, resp: dict) -> dict:
    """The AuthenticationResult of `resp`, both tokens verified against the pool's JWKS."""
    assert "AuthenticationResult" in resp, f"expected tokens, got {resp}"
    assert "ChallengeName" not in resp, resp
    auth = resp["AuthenticationResult"]
    iss = kit.issuer(u.pool)
    id_claims = verify_token(auth["IdToken"], kit.jwks(u.pool), issuer=iss, audience=u.cid)
    access = verify_token(auth["AccessToken"], kit.jwks(u.pool), issuer=iss)
    assert id_claims["cognito:username"] == u.username and access["username"] == u.username
    assert auth["RefreshToken"] and auth["TokenType"] == "Bearer"
    return auth


def error_of(e: ClientError) -> str:
    return f'{e.response["Error"]["Code"]}: {e.response["Error"].get("Message", "")}'


@contextmanager
def spent_session_refused():
    """A Session that already produced tokens, answered again: NotAuthorizedException ("Invalid session for the
    user, session can only be used once."), as Cognito answers, before any code is judged."""
    with pytest.raises(ClientError) as ei:
        yield ei
    assert ei.value.response["Error"]["Code"] == "NotAuthorizedException", error_of(ei.value)
    assert "only be used once" in ei.value.response["Error"]["Message"], error_of(ei.value)


def other_code(code: str) -> str:
    """Digits of the same length as `code` that are not `code`."""
    return ("0" if code[0] != "0" else "1") * len(code)


def boto_kwargs(kit: Kit) -> dict:
    return dict(endpoint_url=kit.endpoint, region_name="us-east-1",
                aws_access_key_id=kit.server.key_id, aws_secret_access_key=kit.server.secret)


def pycognito_for(kit: Kit, u: MfaUser):
    from pycognito import Cognito

    return Cognito(u.pool, u.cid, username=u.username, boto3_client_kwargs=boto_kwargs(kit))


def pycognito_enrolled_user(kit: Kit, tag: str) -> MfaUser:
    """A user who enrolled TOTP through pycognito after an SRP sign-in: associate_software_token,
    verify_software_token (which sends FriendlyDeviceName=""), set_user_mfa_preference (which sends SMSMfaSettings
    {Enabled: false, PreferredMfa: false} beside the TOTP settings)."""
    pool, cid = mfa_pool(kit)
    u = MfaUser(pool, cid, unique(tag), new_email(tag))
    kit.admin_user(pool, u.username, email=u.email)
    c = pycognito_for(kit, u)
    c.authenticate(password=PASSWORD)
    u.totp = Totp(c.associate_software_token())
    assert c.verify_software_token(u.totp.fresh(min_left=2)) is True
    c.set_user_mfa_preference(sms_mfa=False, software_token_mfa=True, preferred="SOFTWARE_TOKEN")
    return u


@pytest.fixture(scope="module", autouse=True)
def _no_jwks_override():
    """pycognito reads the JWKS from env COGNITO_JWKS when set; make sure it fetches ours."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("COGNITO_JWKS", raising=False)
        yield


@pytest.fixture(scope="module")
def users(kit, _no_jwks_override) -> dict:
    """Users enrolled up front (each in a pool of its own, MFA OPTIONAL with TOTP and email). The module's first
    test asks for them although it does not use them: they are enrolled before its own wait for a new window, so
    the later tests find their next window already come."""
    out = {}
    for role in ("admin", "retry", "sessions", "lockout", "off"):
        pool, cid = mfa_pool(kit)
        out[role] = mfa_user(kit, pool, cid, f"mfa-{role}")
    pool, cid = mfa_pool(kit)
    out["select"] = mfa_user(kit, pool, cid, "mfa-select", totp_preferred=False, email_mfa=True,
                             email_preferred=False)
    out["srp"] = pycognito_enrolled_user(kit, "mfa-srp")
    return out


# --------------------------------------------------------------------------------------------------------------
# TOTP
# --------------------------------------------------------------------------------------------------------------


def test_totp_enrollment_and_sign_in(kit, users):  # noqa: ARG001 (users: enrolled before this test's wait)
    pool, cid = mfa_pool(kit)
    u = mfa_user(kit, pool, cid, "totp", totp=False)
    at = kit.sign_in(cid, u.username)["AccessToken"]  # no factor yet: tokens at once
    before = kit.get_user(at)
    assert before.get("UserMFASettingList", []) == [] and "PreferredMfaSetting" not in before, before

    secret = check_secret(kit.uidp.associate_software_token(AccessToken=at)["SecretCode"])
    u.totp = Totp(secret)
    with client_error("EnableSoftwareTokenMFAException", message_contains=["Code mismatch"]):
        kit.uidp.verify_software_token(AccessToken=at, UserCode=u.totp.wrong(), FriendlyDeviceName="phone")
    v = kit.uidp.verify_software_token(AccessToken=at, UserCode=u.totp.fresh(min_left=2),
                                       FriendlyDeviceName="phone")
    assert v["Status"] == "SUCCESS", v
    kit.uidp.set_user_mfa_preference(AccessToken=at, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})

    g = kit.get_user(at)
    assert g["UserMFASettingList"] == TOTP_ONLY and g["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA", g
    ag = kit.idp.admin_get_user(UserPoolId=pool, Username=u.username)
    assert ag["UserMFASettingList"] == TOTP_ONLY and ag["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA", ag

    # Password sign-in now stops at the TOTP challenge; a wrong code is refused.
    r = initiate(kit, u)
    challenge(r, "SOFTWARE_TOKEN_MFA")
    with client_error("CodeMismatchException", message_contains=[CODE_MISMATCH]):
        answer_totp(kit, u, r["Session"], u.totp.wrong())

    # A new sign-in with the code of a window after the one VerifySoftwareToken used: tokens.
    r = initiate(kit, u)
    challenge(r, "SOFTWARE_TOKEN_MFA")
    code = u.totp.fresh(min_left=10)
    auth = tokens_of(kit, u, answer_totp(kit, u, r["Session"], code))
    assert kit.get_user(auth["AccessToken"])["Username"] == u.username

    # The same code again, still inside its window, in another sign-in: refused as a replay.
    r = initiate(kit, u)
    challenge(r, "SOFTWARE_TOKEN_MFA")
    assert Totp.step_now() == u.totp.last_step, "the window moved on before the replay (machine too slow?)"
    with client_error("CodeMismatchException", message_contains=[CODE_MISMATCH]):
        answer_totp(kit, u, r["Session"], code)


def test_wrong_totp_code_leaves_the_challenge_standing(kit, users):
    """After CodeMismatchException the same Session takes the right code: Amplify v6's confirmSignIn keeps its
    sign-in state after a failed answer (apis/confirmSignIn.mjs resets it only on success), so that a user who
    mistyped can type the code again."""
    u = users["retry"]
    r = initiate(kit, u)
    challenge(r, "SOFTWARE_TOKEN_MFA")
    with client_error("CodeMismatchException", message_contains=[CODE_MISMATCH]):
        answer_totp(kit, u, r["Session"], u.totp.wrong())
    tokens_of(kit, u, answer_totp(kit, u, r["Session"], u.totp.fresh()))


def test_admin_flow_with_totp(kit, users):
    u = users["admin"]
    r = admin_initiate(kit, u)
    challenge(r, "SOFTWARE_TOKEN_MFA")
    with client_error("CodeMismatchException", message_contains=[CODE_MISMATCH]):
        kit.idp.admin_respond_to_auth_challenge(
            UserPoolId=u.pool, ClientId=u.cid, ChallengeName="SOFTWARE_TOKEN_MFA", Session=r["Session"],
            ChallengeResponses={"USERNAME": u.username, "SOFTWARE_TOKEN_MFA_CODE": u.totp.wrong()})
    r = admin_initiate(kit, u)
    challenge(r, "SOFTWARE_TOKEN_MFA")
    done = kit.idp.admin_respond_to_auth_challenge(
        UserPoolId=u.pool, ClientId=u.cid, ChallengeName="SOFTWARE_TOKEN_MFA", Session=r["Session"],
        ChallengeResponses={"USERNAME": u.username, "SOFTWARE_TOKEN_MFA_CODE": u.totp.fresh()})
    tokens_of(kit, u, done)


def test_srp_then_totp_with_pycognito(kit, users):
    """pycognito's Cognito.authenticate: USER_SRP_AUTH, PASSWORD_VERIFIER, then SoftwareTokenMFAChallengeException
    carrying the challenge; respond_to_software_token_mfa_challenge answers it and verifies the tokens itself."""
    from pycognito.exceptions import SoftwareTokenMFAChallengeException

    u = users["srp"]
    c = pycognito_for(kit, u)
    with pytest.raises(SoftwareTokenMFAChallengeException) as ei:
        c.authenticate(password=PASSWORD)
    pending = ei.value.get_tokens()
    challenge(pending, "SOFTWARE_TOKEN_MFA")
    c.respond_to_software_token_mfa_challenge(u.totp.fresh(), pending)
    assert c.access_claims["username"] == u.username and c.id_claims["aud"] == u.cid
    assert c.get_user().username == u.username
    g = kit.get_user(c.access_token)
    assert g["UserMFASettingList"] == TOTP_ONLY and g["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA", g


def test_pool_mfa_off_skips_the_challenge(kit, users):
    from pycognito.aws_srp import AWSSRP

    u = users["off"]
    r = kit.idp.set_user_pool_mfa_config(UserPoolId=u.pool, MfaConfiguration="OFF")
    assert r["MfaConfiguration"] == "OFF"
    tokens_of(kit, u, initiate(kit, u))
    tokens_of(kit, u, admin_initiate(kit, u))
    srp = AWSSRP(username=u.username, password=PASSWORD, pool_id=u.pool, client_id=u.cid,
                 client=boto3.client("cognito-idp", **boto_kwargs(kit)))
    tokens_of(kit, u, srp.authenticate_user())
    # The factor was kept: with MFA OPTIONAL again, the challenge is back.
    kit.idp.set_user_pool_mfa_config(UserPoolId=u.pool, MfaConfiguration="OPTIONAL")
    challenge(initiate(kit, u), "SOFTWARE_TOKEN_MFA")


# --------------------------------------------------------------------------------------------------------------
# MFA_SETUP
# --------------------------------------------------------------------------------------------------------------


def test_mfa_setup_when_the_pool_requires_mfa(kit):
    pool, cid = mfa_pool(kit, mode="ON", email=False)
    u = mfa_user(kit, pool, cid, "setup", totp=False)
    r = initiate(kit, u)
    assert json_list(challenge(r, "MFA_SETUP"), "MFAS_CAN_SETUP") == TOTP_ONLY, r
    admin = admin_initiate(kit, u)
    assert json_list(challenge(admin, "MFA_SETUP"), "MFAS_CAN_SETUP") == TOTP_ONLY, admin

    a = kit.uidp.associate_software_token(Session=r["Session"])
    u.totp = Totp(a["SecretCode"])
    assert a.get("Session"), f"AssociateSoftwareToken with a Session must return the next Session: {a}"
    v = kit.uidp.verify_software_token(Session=a["Session"], UserCode=u.totp.fresh(min_left=2),
                                       FriendlyDeviceName="setup")
    assert v["Status"] == "SUCCESS" and v.get("Session"), v
    auth = tokens_of(kit, u, kit.uidp.respond_to_auth_challenge(
        ClientId=cid, ChallengeName="MFA_SETUP", Session=v["Session"], ChallengeResponses={"USERNAME": u.username}))
    g = kit.get_user(auth["AccessToken"])
    assert "SOFTWARE_TOKEN_MFA" in g.get("UserMFASettingList", []), g
    # Enrolled: the next sign-in asks for the code instead of a setup.
    challenge(initiate(kit, u), "SOFTWARE_TOKEN_MFA")


# --------------------------------------------------------------------------------------------------------------
# EMAIL_OTP and SELECT_MFA_TYPE
# --------------------------------------------------------------------------------------------------------------


def test_email_otp(kit):
    pool, cid = mfa_pool(kit)
    u = mfa_user(kit, pool, cid, "mail", totp=False, email_mfa=True, email_preferred=True)
    ag = kit.idp.admin_get_user(UserPoolId=pool, Username=u.username)
    assert ag["UserMFASettingList"] == ["EMAIL_OTP"] and ag["PreferredMfaSetting"] == "EMAIL_OTP", ag

    def sign_in() -> tuple:
        r = initiate(kit, u)
        p = challenge(r, "EMAIL_OTP")
        assert p.get("CODE_DELIVERY_DELIVERY_MEDIUM") == "EMAIL", p
        assert p.get("CODE_DELIVERY_DESTINATION") == mask(u.email), p
        mail, code = mail_code(kit.sink, u.email)
        return r["Session"], mail, code

    session, mail, code = sign_in()
    assert mail.subject == "Code" and f"Your code is {code}" in mail.body, mail
    with client_error("CodeMismatchException", message_contains=[CODE_MISMATCH]):
        respond(kit, u, session, "EMAIL_OTP", EMAIL_OTP_CODE=other_code(code))

    session, _, code = sign_in()
    tokens_of(kit, u, respond(kit, u, session, "EMAIL_OTP", EMAIL_OTP_CODE=code))
    with spent_session_refused():
        respond(kit, u, session, "EMAIL_OTP", EMAIL_OTP_CODE=code)

    session, _, code2 = sign_in()
    if code2 != code:  # a new sign-in mails a new code; the one before is no longer good
        with client_error("CodeMismatchException", message_contains=[CODE_MISMATCH]):
            respond(kit, u, session, "EMAIL_OTP", EMAIL_OTP_CODE=code)


def test_select_mfa_type(kit, users):
    """TOTP and email both enabled, neither preferred: SELECT_MFA_TYPE with MFAS_CAN_CHOOSE; the ANSWER picks the
    challenge that follows, and nothing is mailed unless the answer is EMAIL_OTP."""
    u = users["select"]
    r = initiate(kit, u)
    p = challenge(r, "SELECT_MFA_TYPE")
    assert sorted(json_list(p, "MFAS_CAN_CHOOSE")) == ["EMAIL_OTP", "SOFTWARE_TOKEN_MFA"], p
    r2 = respond(kit, u, r["Session"], "SELECT_MFA_TYPE", ANSWER="SOFTWARE_TOKEN_MFA")
    challenge(r2, "SOFTWARE_TOKEN_MFA")
    kit.sink.assert_no_new_message(u.email, within=1.0)
    tokens_of(kit, u, answer_totp(kit, u, r2["Session"], u.totp.fresh()))

    r = initiate(kit, u)
    challenge(r, "SELECT_MFA_TYPE")
    r2 = respond(kit, u, r["Session"], "SELECT_MFA_TYPE", ANSWER="EMAIL_OTP")
    p2 = challenge(r2, "EMAIL_OTP")
    assert p2.get("CODE_DELIVERY_DELIVERY_MEDIUM") == "EMAIL" and p2.get("CODE_DELIVERY_DESTINATION") == mask(u.email)
    _, code = mail_code(kit.sink, u.email)
    tokens_of(kit, u, respond(kit, u, r2["Session"], "EMAIL_OTP", EMAIL_OTP_CODE=code))


# --------------------------------------------------------------------------------------------------------------
# Sessions and lockout
# --------------------------------------------------------------------------------------------------------------


def test_sessions_are_bound_to_their_challenge(kit, users):
    """A challenge's Session answers that challenge, for that user, through that client; once it has produced
    tokens, it produces no more. The misuses carry a valid code, so their refusal is the session's doing (and the
    code, never accepted, still works afterwards)."""
    u = users["sessions"]
    other = unique("other")
    kit.admin_user(u.pool, other, email=new_email("other"))
    cid2 = kit.client(u.pool, ClientName="second")

    r = initiate(kit, u)
    challenge(r, "SOFTWARE_TOKEN_MFA")
    with client_error("NotAuthorizedException"):  # a session the server never issued
        answer_totp(kit, u, "AYABe" + "Q" * 60, u.totp.wrong())
    with client_error("NotAuthorizedException"):  # answered as another challenge
        respond(kit, u, r["Session"], "EMAIL_OTP", EMAIL_OTP_CODE="123456")
    code = u.totp.fresh(min_left=12)
    with client_error("NotAuthorizedException"):  # for another user
        answer_totp(kit, u, r["Session"], code, username=other)
    with client_error("NotAuthorizedException"):  # through another app client
        answer_totp(kit, u, r["Session"], code, client_id=cid2)

    r = initiate(kit, u)
    challenge(r, "SOFTWARE_TOKEN_MFA")
    tokens_of(kit, u, answer_totp(kit, u, r["Session"], code))
    with spent_session_refused():
        answer_totp(kit, u, r["Session"], code)


def test_wrong_mfa_codes_count_toward_lockout(kit, users):
    """Each round signs in with the right password and answers a wrong code. Every round fails: CodeMismatchException
    at first; once the failures lock the user out, NotAuthorizedException (at InitiateAuth or at the answer)."""
    u = users["lockout"]
    outcomes = []
    for _ in range(7):
        try:
            r = initiate(kit, u)
        except ClientError as e:
            outcomes.append("initiate " + error_of(e))
            continue
        challenge(r, "SOFTWARE_TOKEN_MFA")
        try:
            resp = answer_totp(kit, u, r["Session"], u.totp.wrong())
            outcomes.append(f"TOKENS {resp}")
        except ClientError as e:
            outcomes.append("answer " + error_of(e))
    assert outcomes[0] == f"answer CodeMismatchException: {CODE_MISMATCH}", outcomes
    assert all(o.split(" ")[1] in ("CodeMismatchException:", "NotAuthorizedException:") for o in outcomes), outcomes


# --------------------------------------------------------------------------------------------------------------
# Wire shapes
# --------------------------------------------------------------------------------------------------------------


def test_mfa_responses_fit_the_model(kit):
    """The raw JSON of the MFA answers fits botocore's model (boto3 itself would drop unknown members silently)."""
    pool, cid = mfa_pool(kit)
    u = mfa_user(kit, pool, cid, "shape", totp=False, email_mfa=True, email_preferred=True)
    r = raw_call(kit.server, "InitiateAuth", {"ClientId": cid, "AuthFlow": "USER_PASSWORD_AUTH",
                                              "AuthParameters": {"USERNAME": u.username, "PASSWORD": PASSWORD}},
                 sign=False)
    assert r.status == 200, r
    assert_fits_output("InitiateAuth", r.json())
    _, code = mail_code(kit.sink, u.email)
    r = raw_call(kit.server, "RespondToAuthChallenge", {
        "ClientId": cid, "ChallengeName": "EMAIL_OTP", "Session": r.json()["Session"],
        "ChallengeResponses": {"USERNAME": u.username, "EMAIL_OTP_CODE": code}}, sign=False)
    assert r.status == 200, r
    assert_fits_output("RespondToAuthChallenge", r.json())
    at = r.json()["AuthenticationResult"]["AccessToken"]
    for target in ("AssociateSoftwareToken", "GetUser"):
        r = raw_call(kit.server, target, {"AccessToken": at}, sign=False)
        assert r.status == 200, r
        assert_fits_output(target, r.json())
    r = raw_call(kit.server, "AdminGetUser", {"UserPoolId": pool, "Username": u.username})
    assert r.status == 200, r
    assert_fits_output("AdminGetUser", r.json())
    assert r.json()["UserMFASettingList"] == ["EMAIL_OTP"], r.json()


def test_mfa_helpers_are_sound():
    """The helpers the tests lean on: fresh codes never repeat a window, wrong codes are never valid near now."""
    import pyotp

    t = Totp(pyotp.random_base32(52))
    first = t.fresh(min_left=0)
    step = t.last_step
    assert first == pyotp.TOTP(t.secret).at(step * 30) and t.last() == first
    assert t.wrong() not in {t.at_step(s) for s in range(step - 2, step + 3)}


def outbox_code(kit, phone: str) -> tuple:
    """The newest text to `phone` in the dev outbox and its code (SMS has no gateway: `latchkey outbox` shows it)."""
    out = subprocess.run([str(LATCHKEY_BIN), "outbox", "--data-dir", str(kit.server.data_dir), "--limit", "20"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    for block in out.stdout.split("--- ")[1:]:
        if f"| to {phone}" in block.splitlines()[0]:
            body = block.split("\n", 1)[1].strip()
            m = re.search(r"\b(\d{6})\b", body)
            assert m, block
            return body, m.group(1)
    raise AssertionError(f"no text to {phone} in the outbox:\n{out.stdout}")


def test_sms_mfa_goes_to_the_outbox_and_is_answered(kit):
    """SMS MFA in a pool with an SmsConfiguration: SetUserSettings (the legacy MFAOptions) turns it on, the challenge
    names the masked number, the code is in the dev outbox in the pool's SmsAuthenticationMessage, and answering
    it signs in once."""
    pool = kit.pool(SmsConfiguration={"SnsCallerArn": "arn:aws:iam::123456789012:role/sns", "ExternalId": "x"},
                    AutoVerifiedAttributes=["email"])
    kit.idp.set_user_pool_mfa_config(
        UserPoolId=pool, MfaConfiguration="OPTIONAL",
        SmsMfaConfiguration={"SmsAuthenticationMessage": "Sign-in code {####}",
                             "SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::123456789012:role/sns",
                                                  "ExternalId": "x"}})
    cid = kit.client(pool)
    phone = "+1555" + str(int(unique("p")[-7:], 36) % 10_000_000).zfill(7)
    name = unique("sms")
    kit.admin_user(pool, name, email=new_email("sms"), extra={"phone_number": phone, "phone_number_verified": "true"})
    at = kit.sign_in(cid, name)["AccessToken"]
    kit.uidp.set_user_settings(AccessToken=at, MFAOptions=[{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}])
    got = kit.uidp.get_user(AccessToken=at)
    assert got["UserMFASettingList"] == ["SMS_MFA"] and got["MFAOptions"][0]["DeliveryMedium"] == "SMS", got
    r = kit.initiate(cid, name, PASSWORD)
    p = challenge(r, "SMS_MFA")
    assert p["CODE_DELIVERY_DELIVERY_MEDIUM"] == "SMS" and p["CODE_DELIVERY_DESTINATION"].endswith(phone[-4:]), p
    assert phone[1:-4] not in p["CODE_DELIVERY_DESTINATION"], p
    text, code = outbox_code(kit, phone)
    assert text == f"Sign-in code {code}", text
    answer = {"USERNAME": name, "SMS_MFA_CODE": code}
    done = kit.uidp.respond_to_auth_challenge(ClientId=cid, ChallengeName="SMS_MFA", Session=r["Session"],
                                             ChallengeResponses=answer)
    assert "AccessToken" in done["AuthenticationResult"], done
    with spent_session_refused():
        kit.uidp.respond_to_auth_challenge(ClientId=cid, ChallengeName="SMS_MFA", Session=r["Session"],
                                           ChallengeResponses=answer)
    # MFAOptions empty turns it off again.
    kit.uidp.set_user_settings(AccessToken=at, MFAOptions=[])
    assert "AccessToken" in kit.initiate(cid, name, PASSWORD)["AuthenticationResult"]
