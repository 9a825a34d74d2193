"""Amplify JS v6 (`aws-amplify/auth`, unmodified, in Node: node/mfa_amplify.mjs) through multi-factor sign-in:
enrolling TOTP with tokens (setUpTOTP, verifyTOTPSetup, updateMFAPreference, fetchMFAPreference) and signing in with
it, TOTP setup during sign-in in a pool where MFA is ON (CONTINUE_SIGN_IN_WITH_TOTP_SETUP), email codes
(CONFIRM_SIGN_IN_WITH_EMAIL_CODE), choosing a factor (CONTINUE_SIGN_IN_WITH_MFA_SELECTION) and a wrong TOTP code.

The script computes TOTP codes itself (node/totp.mjs, checked here against RFC 6238 and pyotp) and gets emailed codes
from the SMTP sink through an HTTP endpoint this module runs (GET /code?to=<address>). Every request Amplify sends is
recorded, so the tests check what it sends as well as what it concludes. Needs node + npm (`npm ci` runs in
tests/compat/node when aws-amplify is missing); without node the tests skip, or fail when CI is set."""

from __future__ import annotations

import json
import subprocess
import time

import pyotp
import pytest

from conftest import clean_env
from mfalib import MfaUser, check_secret, mfa_pool, mfa_user
from nodelib import NODE_DIR, ensure_packages, node_exe
from test_node_clients import code_endpoint  # noqa: F401 (fixture)
from userlib import mask, verify_token

DONE = {"isSignedIn": True, "nextStep": {"signInStep": "DONE"}}
TOTP_CODE = {"isSignedIn": False, "nextStep": {"signInStep": "CONFIRM_SIGN_IN_WITH_TOTP_CODE"}}
TOTP_ONLY = ["SOFTWARE_TOKEN_MFA"]


@pytest.fixture(scope="session")
def amplify_node():
    exe = node_exe()
    ensure_packages(["aws-amplify/package.json", "@aws-amplify/auth/package.json"])
    return exe


def run_mfa(node: str, scenario: str, request: dict, ok: bool = True, timeout: float = 150) -> dict:
    """Runs one scenario of node/mfa_amplify.mjs (the request as JSON on stdin) and returns its JSON result."""
    r = subprocess.run([node, str(NODE_DIR / "mfa_amplify.mjs"), scenario], input=json.dumps(request), cwd=NODE_DIR,
                       capture_output=True, text=True, timeout=timeout, env=clean_env())
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    assert lines, (f"mfa_amplify.mjs printed no JSON (exit {r.returncode})\n"
                   f"stdout: {r.stdout[-3000:]}\nstderr: {r.stderr[-3000:]}")
    out = json.loads(lines[-1])
    if ok:
        assert out["ok"], (f"Amplify failed at {out.get('step')}: {out.get('error')}: {out.get('message')}\n"
                           f"steps: {json.dumps(out.get('steps'), indent=1)[-3000:]}\n"
                           f"requests: {json.dumps(out.get('calls'), indent=1)[-6000:]}\nstderr: {r.stderr[-2000:]}")
    return out


def request(kit, u: MfaUser, **kw) -> dict:
    req = {"endpoint": kit.endpoint, "poolId": u.pool, "clientId": u.cid, "username": u.username,
           "password": u.password, "email": u.email}
    if u.totp:
        req.update(secret=u.totp.secret, lastStep=u.totp.last_step)
    req.update(kw)
    return req


def targets(calls: list) -> list:
    """`Target` or `Target:ChallengeName|AuthFlow` for each recorded request."""
    return [f"{c['target']}:{c.get('challengeName') or c.get('authFlow')}"
            if c.get("challengeName") or c.get("authFlow") else c["target"] for c in calls]


def calls_to(out: dict, target: str) -> list:
    return [c for c in out["calls"] if targets([c])[0] == target]


def check_codes(out: dict, secret: str, u: MfaUser = None) -> None:
    """The codes the script used are pyotp's for their windows, each window used once; `u` learns the last one."""
    otp = pyotp.TOTP(secret)
    for c in out["codes"]:
        assert c["code"] == otp.at(c["step"] * 30), c
    steps = [c["step"] for c in out["codes"]]
    assert steps == sorted(set(steps)), steps
    if u is not None and u.totp is not None:
        u.totp.last_step = max(u.totp.last_step, out["lastStep"])


def check_session(kit, u: MfaUser, session: dict) -> None:
    assert session["hasTokens"], session
    claims = verify_token(session["accessToken"], kit.jwks(u.pool), issuer=kit.issuer(u.pool))
    assert claims["username"] == u.username and claims["client_id"] == u.cid
    verify_token(session["idToken"], kit.jwks(u.pool), issuer=kit.issuer(u.pool), audience=u.cid)


@pytest.fixture(scope="module")
def enrolled(kit) -> dict:
    """Users with TOTP enrolled through boto3 up front (pools MFA OPTIONAL with TOTP and email). The module's first
    test that waits for a new window asks for them although it does not use them, so that its wait serves them
    too."""
    out = {}
    pool, cid = mfa_pool(kit)
    out["select"] = mfa_user(kit, pool, cid, "amp-sel", totp_preferred=False, email_mfa=True,
                             email_preferred=False)
    pool, cid = mfa_pool(kit)
    out["wrong"] = mfa_user(kit, pool, cid, "amp-wrong")
    return out


# --------------------------------------------------------------------------------------------------------------


def test_node_totp_agrees_with_rfc6238_and_pyotp(amplify_node):
    secret = pyotp.random_base32(52)
    times = [0, 59, 1_111_111_109, 2_000_000_000, int(time.time())]
    out = run_mfa(amplify_node, "selftest", {"secret": secret, "times": times})
    assert out["steps"]["rfc6238"] == {"vectors": 6, "failures": []}, out["steps"]
    assert [c["code"] for c in out["steps"]["codes"]] == [pyotp.TOTP(secret).at(t) for t in times]


def test_amplify_totp_setup_with_tokens(amplify_node, kit, enrolled):  # noqa: ARG001 (enrolled before the wait)
    pool, cid = mfa_pool(kit)
    u = mfa_user(kit, pool, cid, "amp-totp", totp=False)
    out = run_mfa(amplify_node, "totp-setup-with-tokens", request(kit, u))
    s = out["steps"]
    assert s["signIn1"] == DONE
    secret = check_secret(s["setUpTOTP"]["sharedSecret"])
    uri = s["setUpTOTP"]["setupUri"]
    assert uri.startswith("otpauth://totp/Latchkey:") and f"secret={secret}" in uri, uri
    assert s["verifyTOTPSetup"] is None and s["updateMFAPreference"] is None
    assert s["fetchMFAPreference"] == {"preferred": "TOTP", "enabled": ["TOTP"]}, s["fetchMFAPreference"]
    assert s["signIn2"] == TOTP_CODE
    assert s["confirmSignIn"] == DONE
    check_session(kit, u, s["session"])
    assert s["getCurrentUser"]["username"] == u.username
    check_codes(out, secret)
    assert len(out["codes"]) == 2

    t = targets(out["calls"])
    assert t[:2] == ["InitiateAuth:USER_SRP_AUTH", "RespondToAuthChallenge:PASSWORD_VERIFIER"], t
    i = t.index("AssociateSoftwareToken")
    assert t[i:i + 3] == ["AssociateSoftwareToken", "VerifySoftwareToken", "SetUserMFAPreference"], t
    assoc, verify, pref = out["calls"][i:i + 3]
    assert assoc["accessToken"] == "present" and assoc["session"] == "absent" and assoc["secretCode"] == "present"
    assert verify["accessToken"] == "present" and verify["responseStatus"] == "SUCCESS", verify
    assert verify["friendlyDeviceName"] == "amplify-node"
    assert pref["mfaSettings"] == {"totp": {"Enabled": True, "PreferredMfa": True}}, pref
    assert "GetUser" in t[i + 3:], t  # fetchMFAPreference
    j = t.index("RespondToAuthChallenge:SOFTWARE_TOKEN_MFA")
    answer = out["calls"][j]
    assert answer["challengeResponses"] == ["SOFTWARE_TOKEN_MFA_CODE", "USERNAME"], answer
    assert answer["session"] == "present" and answer["tokens"] == "present", answer
    assert t[j - 1] == "RespondToAuthChallenge:PASSWORD_VERIFIER", t
    assert out["calls"][j - 1]["responseChallenge"] == "SOFTWARE_TOKEN_MFA", out["calls"][j - 1]
    assert all(c["status"] == 200 for c in out["calls"]), [c for c in out["calls"] if c["status"] != 200]

    ag = kit.idp.admin_get_user(UserPoolId=pool, Username=u.username)
    assert ag["UserMFASettingList"] == TOTP_ONLY and ag["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA", ag


@pytest.mark.parametrize("flow", ["USER_SRP_AUTH", "USER_PASSWORD_AUTH"])
def test_amplify_totp_setup_at_sign_in(amplify_node, kit, flow):
    """Pool MFA ON with TOTP only, user without a factor: MFA_SETUP, which Amplify answers with
    AssociateSoftwareToken{Session} (its SecretCode is totpSetupDetails.sharedSecret), then, for the code given to
    confirmSignIn, VerifySoftwareToken{UserCode, Session} and RespondToAuthChallenge MFA_SETUP with the Session
    VerifySoftwareToken returned and only USERNAME. With SRP, a second sign-in asks for the new factor's code."""
    pool, cid = mfa_pool(kit, mode="ON", email=False)
    u = mfa_user(kit, pool, cid, "amp-setup", totp=False)
    again = flow == "USER_SRP_AUTH"
    opts = {"authFlowType": flow} if flow != "USER_SRP_AUTH" else {}
    out = run_mfa(amplify_node, "totp-setup-at-sign-in", request(kit, u, again=again, **opts))
    s = out["steps"]
    step = s["signIn"]["nextStep"]
    assert s["signIn"]["isSignedIn"] is False and step["signInStep"] == "CONTINUE_SIGN_IN_WITH_TOTP_SETUP", s
    secret = check_secret(step["totpSetupDetails"]["sharedSecret"])
    assert step["totpSetupDetails"]["setupUri"].startswith("otpauth://totp/Latchkey:")
    assert s["confirmSignIn"] == DONE
    check_session(kit, u, s["session"])
    assert "TOTP" in s["fetchMFAPreference"].get("enabled", []), s["fetchMFAPreference"]
    check_codes(out, secret)

    t = targets(out["calls"])
    first = ["InitiateAuth:USER_SRP_AUTH", "RespondToAuthChallenge:PASSWORD_VERIFIER"] if again else [
        "InitiateAuth:USER_PASSWORD_AUTH"]
    assert t[:len(first) + 3] == first + ["AssociateSoftwareToken", "VerifySoftwareToken",
                                          "RespondToAuthChallenge:MFA_SETUP"], t
    setup_challenge = out["calls"][len(first) - 1]
    assert setup_challenge["responseChallenge"] == "MFA_SETUP", setup_challenge
    params = setup_challenge["responseChallengeParameters"] or {}
    assert json.loads(params.get("MFAS_CAN_SETUP", "null")) == TOTP_ONLY, setup_challenge
    assoc, verify, answer = out["calls"][len(first):len(first) + 3]
    assert assoc["session"] == "present" and assoc["accessToken"] == "absent", assoc
    assert assoc["responseSession"] == "present" and assoc["secretCode"] == "present", assoc
    assert verify["session"] == "present" and verify["accessToken"] == "absent", verify
    assert verify["responseStatus"] == "SUCCESS" and verify["responseSession"] == "present", verify
    assert answer["challengeResponses"] == ["USERNAME"] and answer["session"] == "present", answer
    assert answer["tokens"] == "present", answer
    if again:
        assert s["signIn2"] == TOTP_CODE and s["confirmSignIn2"] == DONE
        check_session(kit, u, s["session2"])
        assert len(out["codes"]) == 2
    g = kit.idp.admin_get_user(UserPoolId=pool, Username=u.username)
    assert "SOFTWARE_TOKEN_MFA" in g.get("UserMFASettingList", []), g


def test_amplify_email_otp(amplify_node, kit, code_endpoint):
    pool, cid = mfa_pool(kit)
    u = mfa_user(kit, pool, cid, "amp-mail", totp=False, email_mfa=True, email_preferred=True)
    out = run_mfa(amplify_node, "email-otp", request(kit, u, codesUrl=code_endpoint))
    s = out["steps"]
    assert s["signIn"] == {"isSignedIn": False, "nextStep": {
        "signInStep": "CONFIRM_SIGN_IN_WITH_EMAIL_CODE",
        "codeDeliveryDetails": {"deliveryMedium": "EMAIL", "destination": mask(u.email)}}}, s["signIn"]
    assert s["confirmSignIn"] == DONE
    check_session(kit, u, s["session"])
    assert s["fetchMFAPreference"] == {"preferred": "EMAIL", "enabled": ["EMAIL"]}, s["fetchMFAPreference"]
    answer = calls_to(out, "RespondToAuthChallenge:EMAIL_OTP")
    assert len(answer) == 1 and answer[0]["challengeResponses"] == ["EMAIL_OTP_CODE", "USERNAME"], answer
    assert answer[0]["session"] == "present" and answer[0]["tokens"] == "present", answer


@pytest.mark.parametrize("choose", ["TOTP", "EMAIL"])
def test_amplify_select_mfa(amplify_node, kit, code_endpoint, enrolled, choose):
    """TOTP and email enabled, neither preferred: CONTINUE_SIGN_IN_WITH_MFA_SELECTION lists both; confirmSignIn
    with 'TOTP' or 'EMAIL' sends SELECT_MFA_TYPE with ANSWER SOFTWARE_TOKEN_MFA or EMAIL_OTP."""
    u = enrolled["select"]
    out = run_mfa(amplify_node, "select-mfa", request(kit, u, choose=choose, codesUrl=code_endpoint))
    s = out["steps"]
    step = s["signIn"]["nextStep"]
    assert step["signInStep"] == "CONTINUE_SIGN_IN_WITH_MFA_SELECTION", s["signIn"]
    assert sorted(step["allowedMFATypes"]) == ["EMAIL", "TOTP"], step
    if choose == "TOTP":
        assert s["select"] == TOTP_CODE
    else:
        assert s["select"] == {"isSignedIn": False, "nextStep": {
            "signInStep": "CONFIRM_SIGN_IN_WITH_EMAIL_CODE",
            "codeDeliveryDetails": {"deliveryMedium": "EMAIL", "destination": mask(u.email)}}}, s["select"]
    assert s["confirmSignIn"] == DONE
    check_session(kit, u, s["session"])
    select = calls_to(out, "RespondToAuthChallenge:SELECT_MFA_TYPE")
    assert len(select) == 1 and select[0]["challengeResponses"] == ["ANSWER", "USERNAME"], select
    assert select[0]["answer"] == {"TOTP": "SOFTWARE_TOKEN_MFA", "EMAIL": "EMAIL_OTP"}[choose], select
    assert select[0]["responseSession"] == "present", select
    if choose == "TOTP":
        check_codes(out, u.totp.secret, u)
        kit.sink.assert_no_new_message(u.email, within=0.5)  # choosing TOTP mails nothing


def test_amplify_wrong_totp_code(amplify_node, kit, enrolled):
    """confirmSignIn with a wrong code rejects with CodeMismatchException and keeps Amplify's sign-in state; the right
    code typed again in the same sign-in then completes it (see test_mfa_boto3's
    test_wrong_totp_code_leaves_the_challenge_standing)."""
    u = enrolled["wrong"]
    out = run_mfa(amplify_node, "wrong-code", request(kit, u))
    s = out["steps"]
    assert s["signIn"] == TOTP_CODE
    assert s["wrong"]["ok"] is False and s["wrong"]["name"] == "CodeMismatchException", s["wrong"]
    assert s["wrong"]["message"] == "Invalid code or auth state for the user.", s["wrong"]
    assert s["retry"] == {"ok": True, "value": DONE}, s["retry"]
    check_session(kit, u, s["session"])
    check_codes(out, u.totp.secret, u)
    answers = calls_to(out, "RespondToAuthChallenge:SOFTWARE_TOKEN_MFA")
    assert [a["status"] for a in answers] == [400, 200], answers
    assert answers[0]["errorType"].endswith("CodeMismatchException"), answers
