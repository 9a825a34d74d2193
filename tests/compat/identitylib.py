"""Identity pools (`cognito-identity`) and STS for the compatibility tests: boto3 clients of one server for both
services (signed with the admin key, or unsigned as Amplify and browsers call GetId, GetCredentialsForIdentity,
GetOpenIdToken and UnlinkIdentity), a raw signed call for checking answers against botocore's own model, the
Logins keys that name a user pool, and the step from an ID token to temporary AWS credentials."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Optional

import boto3
import botocore
import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from conftest import DEFAULT_ACCOUNT, JSON_CT, LatchkeyServer, http_get, raw_request, shape_errors, unique
from userlib import Kit, jwt_claims

IDENTITY_TARGET = "AWSCognitoIdentityService"
ID_RE = r"[\w-]+:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# What AWS hands out for temporary credentials: a 20-character key id starting ASIA, a 40-character secret.
TEMP_KEY_RE = re.compile(r"ASIA[A-Z0-9]{16}")
# GetCredentialsForIdentity's session name, as assumed-role ARNs show it.
SESSION_NAME = "CognitoIdentityCredentials"
# The login key of a developer-authenticated identity's OpenID token in the enhanced flow.
COGNITO_IDENTITY_LOGIN = "cognito-identity.amazonaws.com"
_CFG = dict(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=30)


def role(name: str, account: str = DEFAULT_ACCOUNT) -> str:
    """An IAM role ARN; `name` may carry a path (`cognito/app`)."""
    return f"arn:aws:iam::{account}:role/{name}"


def assumed_role_arn(role_arn: str, session: str = SESSION_NAME, account: str = DEFAULT_ACCOUNT) -> str:
    """The ARN STS reports for a session of `role_arn`: the role's name without its path, then the session."""
    name = role_arn.rsplit("/", 1)[-1]
    return f"arn:aws:sts::{account}:assumed-role/{name}/{session}"


def provider_name(pool_id: str, region: str = "us-east-1") -> str:
    """The Logins key and ProviderName of a user pool, as AWS names it."""
    return f"cognito-idp.{region}.amazonaws.com/{pool_id}"


def issuer_key(id_token: str) -> str:
    """The Logins key Amplify v6 builds: the token's `iss` without its scheme (`formLoginsMap`)."""
    return re.sub(r"^(\w+:)?//", "", jwt_claims(id_token)["iss"])


def mapping_key(pool_id: str, client_id: str, region: str = "us-east-1") -> str:
    """The RoleMappings key of one app client of a user pool."""
    return f"{provider_name(pool_id, region)}:{client_id}"


def pool_arn(pool_id: str, account: str = DEFAULT_ACCOUNT) -> str:
    region = pool_id.split(":", 1)[0]
    return f"arn:aws:cognito-identity:{region}:{account}:identitypool/{pool_id}"


def identity_client(server: LatchkeyServer, region: str = "us-east-1", signed: bool = True, **keys):
    """A cognito-identity client of `server`: signed with the admin key (or `aws_access_key_id=`...), or unsigned."""
    if not signed:
        return boto3.client("cognito-identity", region_name=region, endpoint_url=server.endpoint,
                            config=Config(signature_version=botocore.UNSIGNED, **_CFG))
    keys.setdefault("aws_access_key_id", server.key_id)
    keys.setdefault("aws_secret_access_key", server.secret)
    return boto3.client("cognito-identity", region_name=region, endpoint_url=server.endpoint, config=Config(**_CFG),
                        **keys)


def sts_client(server: LatchkeyServer, creds: Optional[dict] = None, region: str = "us-east-1",
               signed: bool = True):
    """An STS client of `server`: with the admin key, with `creds` (GetCredentialsForIdentity's `Credentials`,
    or STS's own, whose secret is `SecretAccessKey`), or unsigned (AssumeRoleWithWebIdentity)."""
    if not signed:
        return boto3.client("sts", region_name=region, endpoint_url=server.endpoint,
                            config=Config(signature_version=botocore.UNSIGNED, **_CFG))
    if creds is None:
        keys = dict(aws_access_key_id=server.key_id, aws_secret_access_key=server.secret)
    else:
        keys = dict(aws_access_key_id=creds["AccessKeyId"],
                    aws_secret_access_key=creds.get("SecretKey") or creds["SecretAccessKey"],
                    aws_session_token=creds.get("SessionToken"))
    return boto3.client("sts", region_name=region, endpoint_url=server.endpoint, config=Config(**_CFG), **keys)


def caller(server: LatchkeyServer, creds: Optional[dict] = None) -> dict:
    """STS GetCallerIdentity signed with `creds` (the admin key when None), without the response metadata."""
    r = sts_client(server, creds).get_caller_identity()
    r.pop("ResponseMetadata", None)
    return r


_MODEL = None


def identity_model():
    global _MODEL
    if _MODEL is None:
        _MODEL = botocore.session.get_session().get_service_model("cognito-identity")
    return _MODEL


def raw_identity_call(server: LatchkeyServer, op: str, body: dict, region: str = "us-east-1", sign: bool = True):
    """POST / with `AWSCognitoIdentityService.<op>`, signed by botocore's SigV4 signer for `cognito-identity` (or
    not at all): the answer as sent, for checks boto3's parser would hide (unknown members, error shapes)."""
    data = json.dumps(body).encode()
    headers = {"Content-Type": JSON_CT, "X-Amz-Target": f"{IDENTITY_TARGET}.{op}"}
    if sign:
        req = AWSRequest(method="POST", url=f"{server.endpoint}/", data=data, headers=headers)
        SigV4Auth(Credentials(server.key_id, server.secret), "cognito-identity", region).add_auth(req)
        headers = dict(req.headers.items())
    headers["Host"] = f"127.0.0.1:{server.port}"
    return raw_request(server, "POST", "/", data, headers)


def assert_fits_identity_output(op: str, body) -> None:
    """`body` (parsed JSON) has only members botocore's cognito-identity model knows for `op`'s output."""
    shape = identity_model().operation_model(op).output_shape
    errs = shape_errors(body, shape) if shape is not None else ([] if body == {} else [f"{body!r} for no output"])
    assert not errs, f"{op} response does not fit the model:\n  " + "\n  ".join(errs[:30])


def openid_jwks(server: LatchkeyServer) -> dict:
    """The keys that sign GetOpenIdToken's tokens, where AWS publishes them (`/.well-known/jwks_uri` under the
    cognito-identity issuer)."""
    status, _, body = http_get(f"{server.endpoint}/cognito-identity/.well-known/jwks_uri")
    assert status == 200, f"identity JWKS: HTTP {status} {body[:300]!r}"
    return json.loads(body)


def openid_issuers(server: LatchkeyServer) -> set:
    """The issuers an OpenID token of `server` may name: AWS's, or the server's own public URL's."""
    return {"https://cognito-identity.amazonaws.com", f"{server.endpoint}/cognito-identity"}


def assert_temporary_credentials(creds: dict, lifetime: dt.timedelta = dt.timedelta(hours=1),
                                 secret_field: str = "SecretKey") -> None:
    """AWS-shaped temporary credentials expiring about `lifetime` from now."""
    assert TEMP_KEY_RE.fullmatch(creds["AccessKeyId"]), creds["AccessKeyId"]
    assert len(creds[secret_field]) == 40, "secret keys are 40 characters"
    assert creds["SessionToken"]
    left = creds["Expiration"] - dt.datetime.now(dt.timezone.utc)
    assert lifetime - dt.timedelta(minutes=2) <= left <= lifetime + dt.timedelta(minutes=1), left


class IdKit:
    """One server's identity-pool side: admin (signed) and unsigned cognito-identity clients, STS, and a user-pool
    `Kit` for the users whose ID tokens log in."""

    def __init__(self, server: LatchkeyServer, users: Optional[Kit] = None, region: str = "us-east-1"):
        self.server = server
        self.region = region
        self.users = users or Kit(server, None)
        self.ci = identity_client(server, region)
        self.uci = identity_client(server, region, signed=False)

    def app(self, **pool_kw) -> tuple:
        """A user pool (no mail) and an app client allowing password sign-in: (pool id, client id)."""
        pool_kw.setdefault("AutoVerifiedAttributes", [])
        pool = self.users.pool(**pool_kw)
        return pool, self.users.client(pool)

    def user_token(self, pool: str, client: str, username: Optional[str] = None, **attributes) -> str:
        """A new confirmed user of `pool` (extra attributes as keyword arguments) signed in through `client`: its
        ID token."""
        username = username or unique("idu")
        self.users.admin_user(pool, username, extra={k.replace("custom_", "custom:"): v
                                                     for k, v in attributes.items()})
        return self.users.sign_in(client, username)["IdToken"]

    def identity_pool(self, *apps: tuple, allow_unauthenticated: bool = False, check: bool = False,
                      **kw) -> str:
        """An identity pool trusting each (user pool, client) in `apps` (ServerSideTokenCheck = `check`): its id."""
        providers = [{"ProviderName": provider_name(p, self.region), "ClientId": c, "ServerSideTokenCheck": check}
                     for p, c in apps]
        if providers:
            kw["CognitoIdentityProviders"] = providers
        kw.setdefault("IdentityPoolName", unique("ids"))
        return self.ci.create_identity_pool(AllowUnauthenticatedIdentities=allow_unauthenticated,
                                            **kw)["IdentityPoolId"]

    def set_roles(self, pool_id: str, authenticated: Optional[str] = None, unauthenticated: Optional[str] = None,
                  mappings: Optional[dict] = None) -> None:
        roles = {k: v for k, v in (("authenticated", authenticated), ("unauthenticated", unauthenticated)) if v}
        kw = {"RoleMappings": mappings} if mappings is not None else {}
        self.ci.set_identity_pool_roles(IdentityPoolId=pool_id, Roles=roles, **kw)

    def get_id(self, pool_id: str, logins: Optional[dict] = None) -> str:
        kw = {"Logins": logins} if logins is not None else {}
        return self.uci.get_id(IdentityPoolId=pool_id, **kw)["IdentityId"]

    def credentials(self, identity_id: str, logins: Optional[dict] = None, **kw) -> dict:
        """GetCredentialsForIdentity (unsigned): its `Credentials`, after checking the echoed IdentityId."""
        if logins is not None:
            kw["Logins"] = logins
        r = self.uci.get_credentials_for_identity(IdentityId=identity_id, **kw)
        assert r["IdentityId"] == identity_id
        return r["Credentials"]

    def role_of(self, identity_id: str, logins: Optional[dict] = None, **kw) -> str:
        """The assumed-role ARN STS reports for the credentials the identity gets."""
        return caller(self.server, self.credentials(identity_id, logins, **kw))["Arn"]
