"""Remembered devices: a pool with DeviceConfiguration hands out NewDeviceMetadata on sign-in; ConfirmDevice registers
the device's SRP verifier; the next sign-in that names the DEVICE_KEY proves the device with DEVICE_SRP_AUTH /
DEVICE_PASSWORD_VERIFIER and gets tokens whose access token carries device_key; the device operations (GetDevice,
ListDevices, UpdateDeviceStatus, ForgetDevice and their Admin* forms); an unknown or forgotten DEVICE_KEY.

Driven three ways: boto3 with the SRP math of test_srp_wire (every field visible), pycognito's AWSSRP with device
keys, and the JavaScript libraries that do all of it on their own (amazon-cognito-identity-js 6.x, Amplify v6)."""

from __future__ import annotations

import re
import uuid
from typing import Optional

import pytest
from botocore.exceptions import ClientError

from conftest import assert_fits_output, client_error, pages_of, raw_call
from mfalib import enroll_totp
from test_srp_node import JsApp, amplify_request, run_amplify, srp_node, targets, value  # noqa: F401
from test_srp_wire import Srp, SrpClient, assert_tokens, verifier_config
from userlib import PASSWORD, PASSWORD2, jwt_claims, new_email

DEVICE_KEY_RE = re.compile(r"^us-east-1_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
NO_DEVICE = "Device does not exist."
DEVICE_CHALLENGE_KEYS = {"SRP_B", "SALT", "SECRET_BLOCK", "USERNAME", "DEVICE_KEY"}


def device_pool(kit, challenge_on_new: bool = False, on_prompt: bool = False, **kw) -> str:
    return kit.pool(DeviceConfiguration={"ChallengeRequiredOnNewDevice": challenge_on_new,
                                         "DeviceOnlyRememberedOnUserPrompt": on_prompt}, **kw)


class Device:
    """A device as a client keeps it: key, group key and the random password behind its verifier."""

    def __init__(self, meta: dict):
        self.key = meta["DeviceKey"]
        self.group = meta["DeviceGroupKey"]
        self.password, self.config = verifier_config(self.group, self.key)

    def confirm(self, kit, access_token: str, name: str = "pytest-device") -> dict:
        r = kit.uidp.confirm_device(AccessToken=access_token, DeviceKey=self.key,
                                    DeviceSecretVerifierConfig=self.config, DeviceName=name)
        return r


def raw_fits(kit, target: str, body: dict, sign: bool) -> dict:
    """The operation through raw HTTP (timestamps stay numbers), checked against botocore's output shape."""
    r = raw_call(kit.server, target, body, sign=sign)
    assert r.status == 200, r
    out = r.json()
    assert_fits_output(target, out)
    return out


def attrs_of(device: dict) -> dict:
    return {a["Name"]: a["Value"] for a in device["DeviceAttributes"]}


def new_device(kit, s: Srp, username: str, password: str = PASSWORD, name: str = "pytest-device",
               confirm: bool = True):
    """Signs in (SRP, no DEVICE_KEY), checks NewDeviceMetadata, confirms the device. Returns (device, tokens,
    ConfirmDevice answer)."""
    res = assert_tokens(s.sign_in(username, password))
    meta = res.get("NewDeviceMetadata")
    assert meta, f"no NewDeviceMetadata in {sorted(res)}"
    assert DEVICE_KEY_RE.match(meta["DeviceKey"]), meta
    assert meta["DeviceGroupKey"], meta
    d = Device(meta)
    answer = d.confirm(kit, res["AccessToken"], name) if confirm else None
    return d, res, answer


def device_sign_in(s: Srp, username: str, d: Device, password: str = PASSWORD, key_in_initiate: bool = False,
                   device_password: Optional[str] = None, trace: Optional[list] = None) -> dict:
    """USER_SRP_AUTH naming the device: PASSWORD_VERIFIER (with DEVICE_KEY) → DEVICE_SRP_AUTH →
    DEVICE_PASSWORD_VERIFIER → the final answer. key_in_initiate adds DEVICE_KEY to AuthParameters too (pycognito
    does; amazon-cognito-identity-js only sends it with the PASSWORD_VERIFIER answer)."""
    extra = {"DEVICE_KEY": d.key} if key_in_initiate else {}
    srp, ch = s.initiate(username, **extra)
    user = ch["ChallengeParameters"]["USER_ID_FOR_SRP"]
    r = s.respond(srp, ch, password, DEVICE_KEY=d.key)
    assert r.get("ChallengeName") == "DEVICE_SRP_AUTH", f"expected DEVICE_SRP_AUTH, got {r}"
    assert "AuthenticationResult" not in r
    assert len(r.get("Session") or "") >= 20, r
    dsrp = SrpClient()
    r2 = s.send({"USERNAME": user, "DEVICE_KEY": d.key, "SRP_A": dsrp.srp_a, **s._hash(user)},
                challenge_name="DEVICE_SRP_AUTH", session=r["Session"])
    assert r2.get("ChallengeName") == "DEVICE_PASSWORD_VERIFIER", r2
    p = r2["ChallengeParameters"]
    assert DEVICE_CHALLENGE_KEYS <= set(p), p
    assert p["DEVICE_KEY"] == d.key and p["USERNAME"] == user, p
    claim = dsrp.claim(d.group, d.key, device_password or d.password, p)
    responses = {"USERNAME": user, "DEVICE_KEY": d.key, **claim, **s._hash(user)}
    if trace is not None:
        trace.append((responses, r2.get("Session")))
    return s.send(responses, challenge_name="DEVICE_PASSWORD_VERIFIER", session=r2.get("Session"))


# --------------------------------------------------------------------------------------------------------------
# boto3 + our SRP math
# --------------------------------------------------------------------------------------------------------------


def test_no_device_metadata_without_device_configuration(kit):
    pool = kit.pool()
    cid = kit.client(pool)
    kit.admin_user(pool, "nodev", email=new_email("nodev"))
    assert "NewDeviceMetadata" not in assert_tokens(Srp(kit, pool, cid).sign_in("nodev"))
    assert "NewDeviceMetadata" not in kit.sign_in(cid, "nodev")


def test_new_device_metadata_on_every_flow(kit):
    pool = device_pool(kit)
    cid = kit.client(pool)
    kit.admin_user(pool, "flows", email=new_email("flows"))
    keys = []
    for res in (assert_tokens(Srp(kit, pool, cid).sign_in("flows")),
                assert_tokens(Srp(kit, pool, cid, admin=True).sign_in("flows")),
                kit.sign_in(cid, "flows"),
                kit.admin_sign_in(pool, cid, "flows")):
        meta = res.get("NewDeviceMetadata")
        assert meta and DEVICE_KEY_RE.match(meta["DeviceKey"]) and meta["DeviceGroupKey"], res
        keys.append(meta["DeviceKey"])
    assert len(set(keys)) == 4, f"every sign-in without a DEVICE_KEY is a new device: {keys}"
    # Raw response fits the model.
    srp = SrpClient()
    ch = raw_call(kit.server, "InitiateAuth", {"ClientId": cid, "AuthFlow": "USER_SRP_AUTH",
                                               "AuthParameters": {"USERNAME": "flows", "SRP_A": srp.srp_a}},
                  sign=False).json()
    s = Srp(kit, pool, cid)
    body = raw_call(kit.server, "RespondToAuthChallenge",
                    {"ClientId": cid, "ChallengeName": "PASSWORD_VERIFIER",
                     "ChallengeResponses": s.responses(srp, ch, PASSWORD)}, sign=False)
    assert body.status == 200, body
    assert_fits_output("RespondToAuthChallenge", body.json())
    assert set(body.json()["AuthenticationResult"]["NewDeviceMetadata"]) == {"DeviceKey", "DeviceGroupKey"}


def test_remembered_device_signs_in_with_device_srp(kit):
    pool = device_pool(kit, challenge_on_new=False, on_prompt=False)
    cid = kit.client(pool)
    kit.admin_user(pool, "devuser", email=new_email("devuser"))
    s = Srp(kit, pool, cid)
    d, first, confirmed = new_device(kit, s, "devuser", name="Laptop")
    assert confirmed["UserConfirmationNecessary"] is False
    assert_fits_output("ConfirmDevice", {k: v for k, v in confirmed.items() if k != "ResponseMetadata"})

    # Remembered at once (DeviceOnlyRememberedOnUserPrompt false).
    got = kit.uidp.get_device(AccessToken=first["AccessToken"], DeviceKey=d.key)["Device"]
    a = attrs_of(got)
    assert got["DeviceKey"] == d.key
    assert a["device_status"] == "valid" and a["device_name"] == "Laptop", a
    assert a["dev:device_remembered_status"] == "remembered", a
    for k in ("DeviceCreateDate", "DeviceLastModifiedDate"):
        assert k in got, got
    adm = kit.idp.admin_get_device(UserPoolId=pool, Username="devuser", DeviceKey=d.key)["Device"]
    assert adm["DeviceKey"] == d.key and attrs_of(adm) == a

    # Sign in again naming the device: DEVICE_SRP_AUTH, tokens with device_key, no new device.
    for key_in_initiate in (False, True):
        res = assert_tokens(device_sign_in(s, "devuser", d, key_in_initiate=key_in_initiate))
        assert "NewDeviceMetadata" not in res, res["NewDeviceMetadata"]
        assert jwt_claims(res["AccessToken"])["device_key"] == d.key
        assert jwt_claims(res["AccessToken"])["username"] == "devuser"
    got2 = kit.idp.admin_get_device(UserPoolId=pool, Username="devuser", DeviceKey=d.key)["Device"]
    assert "DeviceLastAuthenticatedDate" in got2
    assert got2["DeviceLastAuthenticatedDate"] >= got["DeviceCreateDate"]

    # REFRESH_TOKEN_AUTH with DEVICE_KEY keeps device_key.
    ref = kit.refresh(cid, res["RefreshToken"], DEVICE_KEY=d.key)
    assert jwt_claims(ref["AccessToken"])["device_key"] == d.key
    assert "NewDeviceMetadata" not in ref

    # The device's SRP proof is checked: a wrong device password is refused.
    with client_error("NotAuthorizedException"):
        device_sign_in(s, "devuser", d, device_password="not-the-device-password")
    # DEVICE_PASSWORD_VERIFIER answers are single use.
    trace = []
    assert_tokens(device_sign_in(s, "devuser", d, trace=trace))
    responses, session = trace[-1]
    with client_error("NotAuthorizedException"):
        s.send(responses, challenge_name="DEVICE_PASSWORD_VERIFIER", session=session)


def test_a_remembered_device_skips_mfa_and_a_forgotten_one_does_not(kit):
    """MFA with devices, as Cognito does it: the sign-in that meets the authenticator app hands out the device; once
    the device is remembered, naming it goes from PASSWORD_VERIFIER straight to DEVICE_SRP_AUTH, no MFA; a device
    set to not_remembered is asked for the code again, then proves the device as before."""
    pool = device_pool(kit, challenge_on_new=False, on_prompt=False)
    kit.idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OPTIONAL",
                                     SoftwareTokenMfaConfiguration={"Enabled": True})
    cid = kit.client(pool)
    kit.admin_user(pool, "mfadev", email=new_email("mfadev"))
    totp = enroll_totp(kit, cid, "mfadev")
    s = Srp(kit, pool, cid)

    def mfa_sign_in(**device) -> dict:
        srp, ch = s.initiate("mfadev")
        r = s.respond(srp, ch, PASSWORD, **device)
        assert r.get("ChallengeName") == "SOFTWARE_TOKEN_MFA", r
        return kit.uidp.respond_to_auth_challenge(
            ClientId=cid, ChallengeName="SOFTWARE_TOKEN_MFA", Session=r["Session"],
            ChallengeResponses={"USERNAME": "mfadev", "SOFTWARE_TOKEN_MFA_CODE": totp.fresh(), **device})

    first = assert_tokens(mfa_sign_in())
    d = Device(first["NewDeviceMetadata"])
    d.confirm(kit, first["AccessToken"], "Phone")
    res = assert_tokens(device_sign_in(s, "mfadev", d))
    assert jwt_claims(res["AccessToken"])["device_key"] == d.key
    kit.uidp.update_device_status(AccessToken=res["AccessToken"], DeviceKey=d.key,
                                  DeviceRememberedStatus="not_remembered")
    again = mfa_sign_in(DEVICE_KEY=d.key)
    assert again.get("ChallengeName") == "DEVICE_SRP_AUTH", again
    assert again["ChallengeParameters"]["DEVICE_KEY"] == d.key, again


def test_device_sign_in_on_email_username_pool_with_secret(kit):
    """Email as username (USER_ID_FOR_SRP is the sub) and a client secret: every device step carries USERNAME = the
    sub and a SECRET_HASH over it."""
    pool = device_pool(kit, UsernameAttributes=["email"])
    app = kit.app(pool, GenerateSecret=True)
    email = new_email("devmail")
    kit.admin_user(pool, email, email=email)
    s = Srp(kit, pool, app["ClientId"], secret=app["ClientSecret"])
    d, first, _ = new_device(kit, s, email)
    sub = jwt_claims(first["IdToken"])["sub"]
    trace = []
    res = assert_tokens(device_sign_in(s, email, d, trace=trace))
    assert trace[-1][0]["USERNAME"] == sub
    assert jwt_claims(res["AccessToken"])["device_key"] == d.key and jwt_claims(res["AccessToken"])["sub"] == sub
    names = {x["DeviceKey"] for x in kit.idp.admin_list_devices(UserPoolId=pool, Username=email)["Devices"]}
    assert d.key in names


def test_device_operations_and_status(kit):
    pool = device_pool(kit, challenge_on_new=True, on_prompt=True)
    cid = kit.client(pool)
    kit.admin_user(pool, "ops", email=new_email("ops"))
    kit.admin_user(pool, "other", email=new_email("other"))
    s = Srp(kit, pool, cid)
    d1, t1, c1 = new_device(kit, s, "ops", name="Phone")
    assert c1["UserConfirmationNecessary"] is True
    at = t1["AccessToken"]

    def status(key):
        return attrs_of(kit.uidp.get_device(AccessToken=at, DeviceKey=key)["Device"])["dev:device_remembered_status"]

    # Not remembered until the user says so.
    assert status(d1.key) == "not_remembered"
    kit.uidp.update_device_status(AccessToken=at, DeviceKey=d1.key, DeviceRememberedStatus="remembered")
    assert status(d1.key) == "remembered"
    kit.idp.admin_update_device_status(UserPoolId=pool, Username="ops", DeviceKey=d1.key,
                                       DeviceRememberedStatus="not_remembered")
    assert status(d1.key) == "not_remembered"
    kit.idp.admin_update_device_status(UserPoolId=pool, Username="ops", DeviceKey=d1.key,
                                       DeviceRememberedStatus="remembered")
    assert status(d1.key) == "remembered"
    # A remembered device signs in with DEVICE_SRP_AUTH.
    res = assert_tokens(device_sign_in(s, "ops", d1))
    assert jwt_claims(res["AccessToken"])["device_key"] == d1.key

    # Two more devices; list with and without paging, as the user and as admin.
    d2, _, _ = new_device(kit, s, "ops", name="Tablet")
    d3, _, _ = new_device(kit, s, "ops", name="Desktop")
    mine = {d1.key, d2.key, d3.key}
    listed = raw_fits(kit, "ListDevices", {"AccessToken": at}, sign=False)
    assert mine <= {x["DeviceKey"] for x in listed["Devices"]}, listed
    names = {x["DeviceKey"]: attrs_of(x)["device_name"] for x in listed["Devices"]}
    assert names[d1.key] == "Phone" and names[d2.key] == "Tablet" and names[d3.key] == "Desktop"
    got = pages_of(kit.uidp.list_devices, "PaginationToken", "Devices", 2, 10, AccessToken=at, Limit=2)
    seen, pages = [x["DeviceKey"] for page in got for x in page["Devices"]], len(got)
    assert mine <= set(seen) and len(seen) == len(set(seen)) and pages >= 2, (seen, pages)
    adm = raw_fits(kit, "AdminListDevices", {"UserPoolId": pool, "Username": "ops"}, sign=True)
    assert {x["DeviceKey"] for x in adm["Devices"]} == {x["DeviceKey"] for x in listed["Devices"]}
    page = kit.idp.admin_list_devices(UserPoolId=pool, Username="ops", Limit=1)
    assert len(page["Devices"]) == 1 and page.get("PaginationToken")
    for target, body, sign in (("GetDevice", {"AccessToken": at, "DeviceKey": d1.key}, False),
                               ("AdminGetDevice", {"UserPoolId": pool, "Username": "ops", "DeviceKey": d1.key}, True)):
        got = raw_fits(kit, target, body, sign)["Device"]
        assert got["DeviceKey"] == d1.key
        assert all(isinstance(got[k], (int, float)) for k in ("DeviceCreateDate", "DeviceLastModifiedDate",
                                                               "DeviceLastAuthenticatedDate")), got

    # Another user cannot see or use these devices.
    other = kit.sign_in(cid, "other")
    with client_error("ResourceNotFoundException"):
        kit.uidp.get_device(AccessToken=other["AccessToken"], DeviceKey=d1.key)
    assert d1.key not in {x["DeviceKey"] for x in kit.uidp.list_devices(AccessToken=other["AccessToken"])["Devices"]}
    with client_error("ResourceNotFoundException", message_contains=[NO_DEVICE]):
        device_sign_in(s, "other", d1)

    # Forget: by the user, then by the admin.
    kit.uidp.forget_device(AccessToken=at, DeviceKey=d2.key)
    with client_error("ResourceNotFoundException"):
        kit.uidp.get_device(AccessToken=at, DeviceKey=d2.key)
    kit.idp.admin_forget_device(UserPoolId=pool, Username="ops", DeviceKey=d1.key)
    with client_error("ResourceNotFoundException"):
        kit.idp.admin_get_device(UserPoolId=pool, Username="ops", DeviceKey=d1.key)
    left = {x["DeviceKey"] for x in kit.idp.admin_list_devices(UserPoolId=pool, Username="ops")["Devices"]}
    assert d1.key not in left and d2.key not in left and d3.key in left
    # A forgotten device is "Device does not exist." at sign-in.
    with client_error("ResourceNotFoundException", message_contains=[NO_DEVICE]):
        device_sign_in(s, "ops", d1)


def test_unknown_device_key_then_retry_without_it(kit):
    """Named with the PASSWORD_VERIFIER answer: ResourceNotFoundException "Device does not exist.", and the same
    SECRET_BLOCK answered again without DEVICE_KEY still works: amazon-cognito-identity-js and Amplify retry exactly
    like that (so the refused attempt must not use up the block)."""
    pool = device_pool(kit)
    cid = kit.client(pool)
    kit.admin_user(pool, "unk", email=new_email("unk"))
    s = Srp(kit, pool, cid)
    ghost = f"us-east-1_{uuid.uuid4()}"
    srp, ch = s.initiate("unk")
    responses = s.responses(srp, ch, PASSWORD, DEVICE_KEY=ghost)
    with client_error("ResourceNotFoundException", message_contains=[NO_DEVICE]):
        s.send(responses)
    responses.pop("DEVICE_KEY")
    res = assert_tokens(s.send(responses))
    assert res.get("NewDeviceMetadata"), "the retry is a sign-in from a new device"


def test_unknown_device_key(kit):
    pool = device_pool(kit)
    cid = kit.client(pool)
    kit.admin_user(pool, "unk2", email=new_email("unk2"))
    s = Srp(kit, pool, cid)
    ghost = f"us-east-1_{uuid.uuid4()}"
    # Named at InitiateAuth and with the answer.
    srp, ch = s.initiate("unk2", DEVICE_KEY=ghost)
    with client_error("ResourceNotFoundException", message_contains=[NO_DEVICE]):
        s.respond(srp, ch, PASSWORD, DEVICE_KEY=ghost)
    # Device operations on an unknown key.
    res = kit.sign_in(cid, "unk2")
    at = res["AccessToken"]
    for call in (lambda: kit.uidp.get_device(AccessToken=at, DeviceKey=ghost),
                 lambda: kit.uidp.update_device_status(AccessToken=at, DeviceKey=ghost,
                                                       DeviceRememberedStatus="remembered"),
                 lambda: kit.uidp.forget_device(AccessToken=at, DeviceKey=ghost),
                 lambda: kit.idp.admin_get_device(UserPoolId=pool, Username="unk2", DeviceKey=ghost),
                 lambda: kit.idp.admin_update_device_status(UserPoolId=pool, Username="unk2", DeviceKey=ghost,
                                                            DeviceRememberedStatus="remembered"),
                 lambda: kit.idp.admin_forget_device(UserPoolId=pool, Username="unk2", DeviceKey=ghost),
                 lambda: kit.uidp.confirm_device(AccessToken=at, DeviceKey=ghost,
                                                 DeviceSecretVerifierConfig=verifier_config("g", ghost)[1],
                                                 DeviceName="x")):
        with client_error("ResourceNotFoundException"):
            call()
    # REFRESH_TOKEN_AUTH with an unknown DEVICE_KEY.
    with pytest.raises(ClientError) as ex:
        kit.refresh(cid, res["RefreshToken"], DEVICE_KEY=ghost)
    assert ex.value.response["Error"]["Code"] in ("ResourceNotFoundException", "NotAuthorizedException")


def test_not_remembered_device_is_still_tracked(kit):
    """DeviceOnlyRememberedOnUserPrompt: a confirmed but not remembered device is listed as not_remembered and its
    key is known at sign-in (no ResourceNotFoundException)."""
    pool = device_pool(kit, on_prompt=True)
    cid = kit.client(pool)
    kit.admin_user(pool, "nr", email=new_email("nr"))
    s = Srp(kit, pool, cid)
    d, t, c = new_device(kit, s, "nr")
    assert c["UserConfirmationNecessary"] is True
    devices = kit.idp.admin_list_devices(UserPoolId=pool, Username="nr")["Devices"]
    assert [attrs_of(x)["dev:device_remembered_status"] for x in devices if x["DeviceKey"] == d.key] == \
        ["not_remembered"]


def test_pycognito_awssrp_with_device_keys(kit):
    """pycognito's AWSSRP(device_key, device_group_key, device_password) runs DEVICE_SRP_AUTH itself; its
    generate_hash_device makes the verifier sent with ConfirmDevice (through boto3: pycognito's own confirm_device
    posts to the AWS URL). Note: pycognito 2024.5.1 sends DEVICE_SRP_AUTH and DEVICE_PASSWORD_VERIFIER *without*
    the Session of the DEVICE_SRP_AUTH challenge (AWS's own Java SRP example in aws-doc-sdk-examples does the same),
    so the device steps must be answerable from their own parameters (DEVICE_KEY, SECRET_BLOCK)."""
    import boto3
    from pycognito.aws_srp import AWSSRP, generate_hash_device

    pool = device_pool(kit)
    cid = kit.client(pool)
    kit.admin_user(pool, "pyd", email=new_email("pyd"))
    client = boto3.client("cognito-idp", endpoint_url=kit.endpoint, region_name="us-east-1",
                          aws_access_key_id=kit.server.key_id, aws_secret_access_key=kit.server.secret)
    first = AWSSRP(username="pyd", password=PASSWORD, pool_id=pool, client_id=cid, client=client).authenticate_user()
    meta = first["AuthenticationResult"]["NewDeviceMetadata"]
    device_password, cfg = generate_hash_device(meta["DeviceGroupKey"], meta["DeviceKey"])
    r = client.confirm_device(AccessToken=first["AuthenticationResult"]["AccessToken"], DeviceKey=meta["DeviceKey"],
                              DeviceSecretVerifierConfig=cfg, DeviceName="pycognito")
    assert r["UserConfirmationNecessary"] is False
    again = AWSSRP(username="pyd", password=PASSWORD, pool_id=pool, client_id=cid, client=client,
                   device_key=meta["DeviceKey"], device_group_key=meta["DeviceGroupKey"],
                   device_password=device_password).authenticate_user()
    res = again["AuthenticationResult"]
    assert jwt_claims(res["AccessToken"])["device_key"] == meta["DeviceKey"]
    assert "NewDeviceMetadata" not in res
    with client_error("NotAuthorizedException"):
        AWSSRP(username="pyd", password=PASSWORD, pool_id=pool, client_id=cid, client=client,
               device_key=meta["DeviceKey"], device_group_key=meta["DeviceGroupKey"],
               device_password="wrong").authenticate_user()
    with client_error("NotAuthorizedException", message_contains=["Incorrect username or password."]):
        AWSSRP(username="pyd", password=PASSWORD2, pool_id=pool, client_id=cid, client=client,
               device_key=meta["DeviceKey"], device_group_key=meta["DeviceGroupKey"],
               device_password=device_password).authenticate_user()


# --------------------------------------------------------------------------------------------------------------
# amazon-cognito-identity-js: everything automatic
# --------------------------------------------------------------------------------------------------------------


def test_cognito_identity_js_remembers_the_device(srp_node, kit, tmp_path):  # noqa: F811
    pool = device_pool(kit, challenge_on_new=True, on_prompt=True)
    cid = kit.client(pool)
    kit.admin_user(pool, "jsdev", email=new_email("jsdev"))
    app = JsApp(srp_node, tmp_path, kit.endpoint, pool, cid)

    # First sign-in: NewDeviceMetadata → the library confirms the device → the app asks the user → remembered.
    out = app.run({"op": "authenticate", "username": "jsdev", "password": PASSWORD, "remember": "remembered"})
    assert targets(out["calls"]) == ["InitiateAuth:USER_SRP_AUTH", "RespondToAuthChallenge:PASSWORD_VERIFIER",
                                     "ConfirmDevice", "UpdateDeviceStatus"], targets(out["calls"])
    assert all(c["status"] == 200 for c in out["calls"]), out["calls"]
    meta = out["calls"][1]["newDeviceMetadata"]
    assert meta and DEVICE_KEY_RE.match(meta["DeviceKey"]), out["calls"][1]
    v = value(out, "authenticate")
    assert v["userConfirmationNecessary"] is True and v["deviceKey"] == meta["DeviceKey"]
    key = meta["DeviceKey"]
    st = app.stored()
    assert st[f"CognitoIdentityServiceProvider.{cid}.jsdev.deviceKey"] == key
    assert st[f"CognitoIdentityServiceProvider.{cid}.jsdev.deviceGroupKey"] == meta["DeviceGroupKey"]
    dev = kit.idp.admin_get_device(UserPoolId=pool, Username="jsdev", DeviceKey=key)["Device"]
    assert attrs_of(dev)["dev:device_remembered_status"] == "remembered"
    assert attrs_of(dev)["device_name"], attrs_of(dev)

    # The app reopened, same Storage: the second sign-in proves the device.
    out = app.run({"op": "authenticate", "username": "jsdev", "password": PASSWORD},
                  {"op": "listDevices", "limit": 10}, {"op": "getDevice"}, {"op": "refreshSession"})
    assert targets(out["calls"]) == [
        "InitiateAuth:USER_SRP_AUTH", "RespondToAuthChallenge:PASSWORD_VERIFIER",
        "RespondToAuthChallenge:DEVICE_SRP_AUTH", "RespondToAuthChallenge:DEVICE_PASSWORD_VERIFIER",
        "ListDevices", "GetDevice", "InitiateAuth:REFRESH_TOKEN_AUTH",
    ], targets(out["calls"])
    assert out["calls"][1]["challengeResponses"]["DEVICE_KEY"] == key
    assert out["calls"][1]["responseChallenge"] == "DEVICE_SRP_AUTH"
    assert out["calls"][2]["challengeResponses"]["DEVICE_KEY"] == key
    assert out["calls"][3].get("newDeviceMetadata") is None and out["calls"][3]["status"] == 200
    v = value(out, "authenticate")
    assert v["accessClaims"]["device_key"] == key and v["userConfirmationNecessary"] is None
    devices = value(out, "listDevices")["Devices"]
    assert [d["DeviceKey"] for d in devices] == [key]
    assert value(out, "getDevice")["Device"]["DeviceKey"] == key
    assert out["calls"][-1]["authParameters"]["DEVICE_KEY"] == key
    assert value(out, "refreshSession")["accessClaims"]["device_key"] == key

    # forgetDevice: gone on the server and from Storage; the next sign-in is a new device again.
    out = app.run({"op": "forgetDevice"})
    assert targets(out["calls"]) == ["ForgetDevice"] and out["calls"][0]["deviceKey"] == key
    assert kit.idp.admin_list_devices(UserPoolId=pool, Username="jsdev")["Devices"] == []
    assert f"CognitoIdentityServiceProvider.{cid}.jsdev.deviceKey" not in app.stored()
    out = app.run({"op": "authenticate", "username": "jsdev", "password": PASSWORD})
    assert targets(out["calls"]) == ["InitiateAuth:USER_SRP_AUTH", "RespondToAuthChallenge:PASSWORD_VERIFIER",
                                     "ConfirmDevice"]
    key2 = out["calls"][1]["newDeviceMetadata"]["DeviceKey"]
    assert key2 != key
    dev2 = kit.idp.admin_get_device(UserPoolId=pool, Username="jsdev", DeviceKey=key2)["Device"]
    assert attrs_of(dev2)["dev:device_remembered_status"] == "not_remembered"

    # The admin forgets the device while the app still has it: "Device does not exist." → the library drops its
    # key and answers the same challenge again without it → a new device.
    kit.idp.admin_forget_device(UserPoolId=pool, Username="jsdev", DeviceKey=key2)
    out = app.run({"op": "authenticate", "username": "jsdev", "password": PASSWORD})
    t = targets(out["calls"])
    assert t == ["InitiateAuth:USER_SRP_AUTH", "RespondToAuthChallenge:PASSWORD_VERIFIER",
                 "RespondToAuthChallenge:PASSWORD_VERIFIER", "ConfirmDevice"], t
    assert out["calls"][1]["status"] == 400 and out["calls"][1]["errorType"].endswith("ResourceNotFoundException")
    assert out["calls"][1]["errorMessage"] == NO_DEVICE
    assert out["calls"][2]["challengeResponses"]["DEVICE_KEY"] is None and out["calls"][2]["status"] == 200
    key3 = out["calls"][2]["newDeviceMetadata"]["DeviceKey"]
    assert key3 not in (key, key2)
    assert app.stored()[f"CognitoIdentityServiceProvider.{cid}.jsdev.deviceKey"] == key3


def test_amplify_v6_remembers_the_device(srp_node, kit, tmp_path):  # noqa: F811
    pool = device_pool(kit, challenge_on_new=True, on_prompt=True)
    cid = kit.client(pool)
    kit.admin_user(pool, "ampdev", email=new_email("ampdev"))
    out = run_amplify(srp_node, tmp_path, amplify_request(kit, pool, cid, scenario="devices", username="ampdev",
                                                          password=PASSWORD))
    s = out["steps"]
    confirm = [c for c in out["calls"] if c["target"] == "ConfirmDevice"]
    assert len(confirm) == 1 and confirm[0]["status"] == 200, confirm  # Amplify swallows a failed ConfirmDevice
    key = s["deviceKey1"]
    assert key and DEVICE_KEY_RE.match(key), s
    upd = [c for c in out["calls"] if c["target"] == "UpdateDeviceStatus"]
    assert upd and upd[0]["status"] == 200 and upd[0]["deviceKey"] == key
    assert [d["id"] for d in s["fetchDevices1"]] == [key]
    assert s["signIn2Calls"] == ["InitiateAuth:USER_SRP_AUTH", "RespondToAuthChallenge:PASSWORD_VERIFIER",
                                 "RespondToAuthChallenge:DEVICE_SRP_AUTH",
                                 "RespondToAuthChallenge:DEVICE_PASSWORD_VERIFIER"], s["signIn2Calls"]
    assert s["signIn2"] == {"isSignedIn": True, "nextStep": {"signInStep": "DONE"}}
    assert s["session2"]["accessClaims"]["device_key"] == key and s["deviceKey2"] == key
    assert s["fetchDevices2"] == []
    assert s["deviceKeyAfterForget"] is None
    assert kit.idp.admin_list_devices(UserPoolId=pool, Username="ampdev")["Devices"] == []
