"""USER_AUTH, the choice-based sign-in, through boto3, pycognito's SRP math and Amplify v6: a pool whose
SignInPolicy allows PASSWORD and EMAIL_OTP, a client with ALLOW_USER_AUTH. PREFERRED_CHALLENGE starts a factor
directly; without one (or with one the user cannot use) SELECT_CHALLENGE lists AvailableChallenges. A password
still meets MFA; a code by email is the whole sign-in. ConfirmSignUp's Session signs a new user straight in;
GetUserAuthFactors lists what a user can sign in with."""

from __future__ import annotations

import pytest
from pycognito.aws_srp import AWSSRP

from conftest import client_error, unique
from mfalib import CODE_MISMATCH, challenge, mail_code
from test_mfa_amplify import amplify_node, run_mfa  # noqa: F401 (fixture)
from test_node_clients import code_endpoint  # noqa: F401 (fixture)
from userlib import ALL_FLOWS, PASSWORD, jwt_claims, mask, new_email

FLOWS = ALL_FLOWS + ["ALLOW_USER_AUTH"]
POLICY = {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}}


@pytest.fixture
def passwordless(kit):
    """(pool, client) allowing PASSWORD and EMAIL_OTP first factors."""
    pool = kit.pool(Policies=POLICY)
    return pool, kit.client(pool, flows=FLOWS)


def user(kit, pool, tag: str, verified: bool = True) -> tuple:
    name, email = unique(tag), new_email(tag)
    kit.admin_user(pool, name, email=email, verified=verified)
    return name, email


def initiate(kit, cid, name, **params):
    return kit.uidp.initiate_auth(ClientId=cid, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": name, **params})


def respond(kit, cid, name, session, challenge_name, **responses):
    return kit.uidp.respond_to_auth_challenge(ClientId=cid, ChallengeName=challenge_name, Session=session,
                                              ChallengeResponses={"USERNAME": name, **responses})


def test_select_challenge_lists_what_the_user_can_use_and_each_answer_signs_in(kit, passwordless):
    pool, cid = passwordless
    name, email = user(kit, pool, "ua")
    r = initiate(kit, cid, name)
    assert r["ChallengeName"] == "SELECT_CHALLENGE" and r["Session"], r
    assert r["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP"], r
    # PASSWORD answered with the password in the same response, as Amplify sends it.
    tokens = respond(kit, cid, name, r["Session"], "SELECT_CHALLENGE", ANSWER="PASSWORD",
                     PASSWORD=PASSWORD)["AuthenticationResult"]
    assert kit.get_user(tokens["AccessToken"])["Username"] == name
    # EMAIL_OTP: the code goes to the verified address; the right code is the whole sign-in.
    r = initiate(kit, cid, name)
    chosen = respond(kit, cid, name, r["Session"], "SELECT_CHALLENGE", ANSWER="EMAIL_OTP")
    p = challenge(chosen, "EMAIL_OTP")
    assert p["CODE_DELIVERY_DELIVERY_MEDIUM"] == "EMAIL" and p["CODE_DELIVERY_DESTINATION"] == mask(email), p
    session = chosen["Session"]
    _, code = mail_code(kit.sink, email)
    with client_error("CodeMismatchException", message_contains=[CODE_MISMATCH]):
        respond(kit, cid, name, session, "EMAIL_OTP", EMAIL_OTP_CODE="000000" if code != "000000" else "111111")
    done = respond(kit, cid, name, session, "EMAIL_OTP", EMAIL_OTP_CODE=code)
    assert "AccessToken" in done["AuthenticationResult"], done
    # A factor the user cannot use is refused.
    r = initiate(kit, cid, name)
    with client_error("InvalidParameterException"):
        respond(kit, cid, name, r["Session"], "SELECT_CHALLENGE", ANSWER="SMS_OTP")


def test_preferred_challenges_start_directly_and_a_password_still_meets_mfa(kit, passwordless):
    pool, cid = passwordless
    name, email = user(kit, pool, "pref")
    tokens = initiate(kit, cid, name, PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD)["AuthenticationResult"]
    assert jwt_claims(tokens["IdToken"])["email"] == email
    with client_error("NotAuthorizedException", message_contains=["Incorrect username or password."]):
        initiate(kit, cid, name, PREFERRED_CHALLENGE="PASSWORD", PASSWORD="Wr0ng-password!")
    # PASSWORD_SRP with SRP_A: PASSWORD_VERIFIER, answered as in USER_SRP_AUTH.
    srp = AWSSRP(username=name, password=PASSWORD, pool_id=pool, client_id=cid, client=kit.uidp)
    r = initiate(kit, cid, name, PREFERRED_CHALLENGE="PASSWORD_SRP", SRP_A=format(srp.large_a_value, "x"))
    assert r["ChallengeName"] == "PASSWORD_VERIFIER", r
    answer = srp.process_challenge(r["ChallengeParameters"], {"USERNAME": name})
    done = kit.uidp.respond_to_auth_challenge(ClientId=cid, ChallengeName="PASSWORD_VERIFIER",
                                              ChallengeResponses=answer)
    assert "AccessToken" in done["AuthenticationResult"], done
    # EMAIL_OTP preferred: straight to the code.
    r = initiate(kit, cid, name, PREFERRED_CHALLENGE="EMAIL_OTP")
    challenge(r, "EMAIL_OTP")
    _, code = mail_code(kit.sink, email)
    assert "AccessToken" in respond(kit, cid, name, r["Session"], "EMAIL_OTP", EMAIL_OTP_CODE=code)["AuthenticationResult"]
    # MFA on: the password goes on to the email code; the passwordless code does not ask twice.
    kit.idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OPTIONAL",
                                     EmailMfaConfiguration={"Message": "MFA {####}", "Subject": "MFA"})
    kit.idp.admin_set_user_mfa_preference(UserPoolId=pool, Username=name,
                                          EmailMfaSettings={"Enabled": True, "PreferredMfa": True})
    r = initiate(kit, cid, name, PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD)
    challenge(r, "EMAIL_OTP")
    _, code = mail_code(kit.sink, email)
    assert "AccessToken" in respond(kit, cid, name, r["Session"], "EMAIL_OTP", EMAIL_OTP_CODE=code)["AuthenticationResult"]


def test_unverified_email_and_policy_limit_the_factors_and_the_client_must_allow_user_auth(kit, passwordless):
    pool, cid = passwordless
    name, _ = user(kit, pool, "unver", verified=False)
    r = initiate(kit, cid, name, PREFERRED_CHALLENGE="EMAIL_OTP")
    assert r["ChallengeName"] == "SELECT_CHALLENGE" and r["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP"], r
    password_only = kit.pool()
    pcid = kit.client(password_only, flows=FLOWS)
    other, _ = user(kit, password_only, "pw")
    r = initiate(kit, pcid, other)
    assert r["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP"], r
    plain = kit.client(pool)
    with client_error("InvalidParameterException", message_contains=["USER_AUTH flow not enabled for this client"]):
        initiate(kit, plain, name)


def test_hidden_users_get_the_pool_factors_and_the_generic_refusal(kit, passwordless):
    pool, _ = passwordless
    cid = kit.client(pool, flows=FLOWS, PreventUserExistenceErrors="ENABLED")
    r = initiate(kit, cid, "nobody-" + unique("x"))
    assert r["ChallengeName"] == "SELECT_CHALLENGE" and r["AvailableChallenges"] == \
        ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP"], r
    with client_error("NotAuthorizedException", message_contains=["Incorrect username or password."]):
        respond(kit, cid, "nobody", r["Session"], "SELECT_CHALLENGE", ANSWER="PASSWORD", PASSWORD=PASSWORD)
    open_client = kit.client(pool, flows=FLOWS, PreventUserExistenceErrors="LEGACY")
    with client_error("UserNotFoundException"):
        initiate(kit, open_client, "nobody-" + unique("y"))


def test_confirm_sign_up_session_signs_the_new_user_in_once(kit, passwordless):
    pool, cid = passwordless
    name, email = unique("new"), new_email("new")
    kit.uidp.sign_up(ClientId=cid, Username=name, Password=PASSWORD,
                     UserAttributes=[{"Name": "email", "Value": email}])
    confirmed = kit.uidp.confirm_sign_up(ClientId=cid, Username=name, ConfirmationCode=kit.sink.next_code(email))
    session = confirmed["Session"]
    r = kit.uidp.initiate_auth(ClientId=cid, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": name},
                               Session=session)
    assert kit.get_user(r["AuthenticationResult"]["AccessToken"])["Username"] == name
    with client_error("NotAuthorizedException", message_contains=["only be used once"]):
        kit.uidp.initiate_auth(ClientId=cid, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": name},
                               Session=session)
    # A client without ALLOW_USER_AUTH gets no Session from ConfirmSignUp.
    plain = kit.client(pool)
    other, other_email = unique("plain"), new_email("plain")
    kit.uidp.sign_up(ClientId=plain, Username=other, Password=PASSWORD,
                     UserAttributes=[{"Name": "email", "Value": other_email}])
    r = kit.uidp.confirm_sign_up(ClientId=plain, Username=other, ConfirmationCode=kit.sink.next_code(other_email))
    assert "Session" not in r, r


def test_get_user_auth_factors(kit, passwordless):
    pool, cid = passwordless
    name, _ = user(kit, pool, "factors")
    at = initiate(kit, cid, name, PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD)["AuthenticationResult"]
    r = kit.uidp.get_user_auth_factors(AccessToken=at["AccessToken"])
    assert r["Username"] == name and r["ConfiguredUserAuthFactors"] == ["PASSWORD", "EMAIL_OTP"], r
    a = kit.idp.admin_get_user_auth_factors(UserPoolId=pool, Username=name)
    assert a["ConfiguredUserAuthFactors"] == ["PASSWORD", "EMAIL_OTP"], a


def test_amplify_passwordless_email_sign_in(amplify_node, kit, passwordless, code_endpoint):  # noqa: F811
    pool, cid = passwordless
    name, email = user(kit, pool, "ampless")
    out = run_mfa(amplify_node, "passwordless-email", {
        "endpoint": kit.endpoint, "poolId": pool, "clientId": cid, "username": name, "email": email,
        "codesUrl": code_endpoint})
    assert out["steps"]["session"]["hasTokens"], out["steps"]
    assert out["steps"]["getCurrentUser"]["username"] == name
    sent = [(c["target"], c.get("authFlow") or c.get("challengeName")) for c in out["calls"]]
    assert sent[:2] == [("InitiateAuth", "USER_AUTH"), ("RespondToAuthChallenge", "EMAIL_OTP")], sent


@pytest.mark.parametrize("choose", ["PASSWORD", "EMAIL_OTP"])
def test_amplify_chooses_the_first_factor(amplify_node, kit, passwordless, code_endpoint, choose):  # noqa: F811
    pool, cid = passwordless
    name, email = user(kit, pool, "ampchoose")
    out = run_mfa(amplify_node, "choose-first-factor", {
        "endpoint": kit.endpoint, "poolId": pool, "clientId": cid, "username": name, "password": PASSWORD,
        "email": email, "codesUrl": code_endpoint, "choose": choose})
    assert out["steps"]["session"]["hasTokens"], out["steps"]


def test_amplify_sign_up_then_auto_sign_in_with_user_auth(amplify_node, kit, passwordless, code_endpoint):  # noqa: F811
    pool, cid = passwordless
    name, email = unique("ampauto"), new_email("ampauto")
    out = run_mfa(amplify_node, "sign-up-auto-sign-in", {
        "endpoint": kit.endpoint, "poolId": pool, "clientId": cid, "username": name, "password": PASSWORD,
        "email": email, "codesUrl": code_endpoint})
    assert out["steps"]["session"]["hasTokens"], out["steps"]
    auto = [c for c in out["calls"] if c["target"] == "InitiateAuth"]
    assert auto and auto[0]["authFlow"] == "USER_AUTH", out["calls"]
