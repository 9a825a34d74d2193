"""Terraform with the AWS provider against a real `latchkey serve`: the tool most teams configure Cognito with.

`terraform/cognito.tf` declares every `aws_cognito_*` user-pool resource Latchkey implements the API for (pools
with standard and custom schema, sign-in by email, verification messages, password policy, devices, TOTP MFA,
templates, recovery, triggers; OAuth clients with and without a secret, a client-credentials client, an adopted
"managed" client; a domain; pool-level and client-level UI customization; groups; users with attributes and a
temporary or permanent password; group membership; resource servers with scopes) plus the data sources. The test

1. applies it and checks with boto3 that the server holds what was configured;
2. plans again: `terraform plan -detailed-exitcode` must exit 0 (any difference between what Latchkey answers and
   what Terraform sent is drift a real user would see on every plan);
3. changes a few arguments (and adopts a client another service created), applies, and plans again (exit 0);
4. destroys, and checks with boto3 that nothing is left.

`terraform/identity/identity.tf` does the same for identity pools (`aws_cognito_identity_pool` trusting a user pool's
two clients, `aws_cognito_identity_pool_roles_attachment` with a Rules and a Token mapping, the principal-tag map and
the data source), with a provider that validates its credentials and reads the account id through Latchkey's STS
(no skip flags); a user of the Terraform-made pools gets credentials for the role the Rules mapping names.

It runs whenever `terraform` is on PATH and the provider mirror (`/opt/tf-plugins`, or env
LATCHKEY_TEST_TF_MIRROR) holds hashicorp/aws 5.100.0: `terraform init` then works offline through a
`filesystem_mirror` CLI configuration. When either is missing the test is skipped with a warning; when CI is set
and terraform is present but `init` fails, it fails. Terraform's state, plugins links, CLI configuration and HOME
all live in the test's temp dir.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import uuid
import warnings
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from conftest import DEFAULT_ACCOUNT, clean_env
from identitylib import IdKit, assumed_role_arn, caller, pool_arn
from userlib import attr_map, secret_hash

HERE = Path(__file__).resolve().parent / "terraform"
IDENTITY = HERE / "identity"
PROVIDER = "registry.terraform.io/hashicorp/aws"
PROVIDER_VERSION = "5.100.0"
MIRROR = Path(os.environ.get("LATCHKEY_TEST_TF_MIRROR", "/opt/tf-plugins"))
MANAGED_PREFIX = "AmazonOpenSearchService-"

# Every aws_cognito_* resource of the pinned provider is either covered by cognito.tf or named here with the
# Latchkey API it would need. A provider upgrade that adds a resource fails the coverage test until it is sorted.
COVERED_RESOURCES = {
    "aws_cognito_user_pool",
    "aws_cognito_user_pool_client",
    "aws_cognito_managed_user_pool_client",
    "aws_cognito_user_pool_domain",
    "aws_cognito_user_pool_ui_customization",
    "aws_cognito_user_group",
    "aws_cognito_user",
    "aws_cognito_user_in_group",
    "aws_cognito_resource_server",
    # identity/identity.tf
    "aws_cognito_identity_pool",
    "aws_cognito_identity_pool_provider_principal_tag",
    "aws_cognito_identity_pool_roles_attachment",
}
NOT_IMPLEMENTED_RESOURCES = {
    "aws_cognito_identity_provider": "Create/Describe/Update/DeleteIdentityProvider (federation)",
    "aws_cognito_risk_configuration": "Set/DescribeRiskConfiguration (threat protection)",
}
COVERED_DATA_SOURCES = {
    "aws_cognito_user_pool",
    "aws_cognito_user_pools",
    "aws_cognito_user_pool_client",
    "aws_cognito_user_pool_clients",
    "aws_cognito_user_group",
    "aws_cognito_user_groups",
    "aws_cognito_identity_pool",  # identity/identity.tf
}
NOT_IMPLEMENTED_DATA_SOURCES = {
    "aws_cognito_user_pool_signing_certificate": "GetSigningCertificate (SAML)",
}

CLI_CONFIG = """\
provider_installation {{
  filesystem_mirror {{
    path    = "{mirror}"
    include = ["{provider}"]
  }}
  direct {{
    exclude = ["{provider}"]
  }}
}}
"""


def tail(text: str, n: int = 6000) -> str:
    return text if len(text) <= n else "..." + text[-n:]


class Terraform:
    """One working directory with cognito.tf, initialised against the offline mirror."""

    def __init__(self, binary: str, workdir: Path):
        self.binary = binary
        self.dir = workdir
        home = workdir.parent / "home"
        home.mkdir(exist_ok=True)
        cli_config = workdir.parent / "terraform.rc"
        cli_config.write_text(CLI_CONFIG.format(mirror=MIRROR, provider=PROVIDER))
        # Nothing of the runner's Terraform or AWS set-up may leak in (TF_CLI_ARGS, profiles, caches, logs).
        env = {k: v for k, v in clean_env().items() if not k.startswith(("TF_", "CHECKPOINT_"))}
        env.update({
            "HOME": str(home),
            "TF_CLI_CONFIG_FILE": str(cli_config),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
            "AWS_CONFIG_FILE": str(home / "aws-config-absent"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "aws-credentials-absent"),
            "AWS_EC2_METADATA_DISABLED": "true",
        })
        self.env = env

    def run(self, *args: str, timeout: float = 300, ok: tuple = (0,)) -> subprocess.CompletedProcess:
        proc = subprocess.run([self.binary, *args, "-no-color"], cwd=self.dir, env=self.env, capture_output=True,
                              text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        assert proc.returncode in ok, (
            f"terraform {' '.join(args)} exited {proc.returncode}\n--- stdout ---\n{tail(proc.stdout)}\n"
            f"--- stderr ---\n{tail(proc.stderr)}")
        return proc

    def set_vars(self, **values) -> None:
        (self.dir / "terraform.tfvars.json").write_text(json.dumps(values))

    def apply(self) -> None:
        self.run("apply", "-auto-approve", "-input=false")

    def assert_no_drift(self, when: str) -> None:
        """A second plan must find nothing to change: exit 0 (2 means changes, 1 an error)."""
        proc = self.run("plan", "-detailed-exitcode", "-input=false", ok=(0, 1, 2))
        if proc.returncode != 0:
            shown = "\n".join(l for l in proc.stdout.splitlines()
                              if not re.search(r"Refreshing state|Reading\.\.\.|Read complete", l))
            pytest.fail(f"terraform plan after {when} exited {proc.returncode} (2 = drift):\n{tail(shown, 12000)}"
                        f"\n--- stderr ---\n{tail(proc.stderr)}")

    def outputs(self) -> dict:
        return {k: v["value"] for k, v in json.loads(self.run("output", "-json").stdout).items()}


def skip_loudly(reason: str) -> None:
    warnings.warn(f"Terraform compatibility tests SKIPPED: {reason}", stacklevel=2)
    pytest.skip(f"Terraform compatibility tests skipped: {reason}")


@pytest.fixture(scope="module")
def tf_binary() -> str:
    binary = shutil.which("terraform")
    if binary is None:
        skip_loudly("`terraform` is not on PATH")
    if not (MIRROR / PROVIDER / PROVIDER_VERSION).is_dir():
        skip_loudly(f"no {PROVIDER} {PROVIDER_VERSION} in the provider mirror {MIRROR}")
    return binary


def init(binary: str, workdir: Path, source: Path = HERE) -> Terraform:
    """A working directory with the files of `source` (not its subdirectories), initialised offline."""
    workdir.mkdir(parents=True)
    for f in source.iterdir():
        if f.is_file():
            shutil.copy(f, workdir / f.name)
    tf = Terraform(binary, workdir)
    proc = subprocess.run([binary, "init", "-input=false", "-no-color"], cwd=workdir, env=tf.env,
                          capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        msg = f"`terraform init` failed offline:\n{tail(proc.stdout)}\n{tail(proc.stderr)}"
        if os.environ.get("CI"):
            pytest.fail(msg)
        skip_loudly(msg)
    return tf


@pytest.fixture(scope="module")
def tf_schema(tf_binary, tmp_path_factory) -> dict:
    tf = init(tf_binary, tmp_path_factory.mktemp("tf-schema") / "work")
    schemas = json.loads(tf.run("providers", "schema", "-json").stdout)["provider_schemas"][PROVIDER]
    return schemas


def test_every_cognito_resource_is_covered_or_named(tf_schema):
    """The provider's own list of aws_cognito_* resources and data sources: each one is declared in cognito.tf or
    named above with the API Latchkey lacks for it."""
    text = (HERE / "cognito.tf").read_text() + (IDENTITY / "identity.tf").read_text()
    declared = set(re.findall(r'^resource "(aws_cognito_\w+)"', text, re.M))
    declared_data = set(re.findall(r'^data "(aws_cognito_\w+)"', text, re.M))
    assert declared == COVERED_RESOURCES
    assert declared_data == COVERED_DATA_SOURCES
    resources = {r for r in tf_schema["resource_schemas"] if r.startswith("aws_cognito_")}
    data_sources = {d for d in tf_schema["data_source_schemas"] if d.startswith("aws_cognito_")}
    assert resources == COVERED_RESOURCES | set(NOT_IMPLEMENTED_RESOURCES), (
        f"new: {resources - COVERED_RESOURCES - set(NOT_IMPLEMENTED_RESOURCES)}, "
        f"gone: {(COVERED_RESOURCES | set(NOT_IMPLEMENTED_RESOURCES)) - resources}")
    assert data_sources == COVERED_DATA_SOURCES | set(NOT_IMPLEMENTED_DATA_SOURCES), data_sources


# --------------------------------------------------------------------------------------------------------------
# What the server must hold
# --------------------------------------------------------------------------------------------------------------


def schema_attr(pool: dict, name: str) -> dict:
    found = [a for a in pool["SchemaAttributes"] if a["Name"] == name]
    assert len(found) == 1, f"{name}: {[a['Name'] for a in pool['SchemaAttributes']]}"
    return found[0]


def check_pools(idp, ids: dict, suffix: str, updated: bool) -> None:
    main = idp.describe_user_pool(UserPoolId=ids["main"])["UserPool"]
    assert main["Name"] == f"tf-main-{suffix}"
    assert main["UsernameAttributes"] == ["email"] and main["AutoVerifiedAttributes"] == ["email"]
    subject = "Your new code" if updated else "Your code"
    message = "Use {####} to verify" if updated else "Your code is {####}"
    assert (main["EmailVerificationSubject"], main["EmailVerificationMessage"]) == (subject, message)
    template = main["VerificationMessageTemplate"]
    assert (template["EmailSubject"], template["EmailMessage"]) == (subject, message)
    policy = main["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] == (12 if updated else 10)
    assert (policy["RequireUppercase"], policy["RequireLowercase"], policy["RequireNumbers"],
            policy["RequireSymbols"]) == (True, True, True, False)
    assert policy["TemporaryPasswordValidityDays"] == 3
    assert main["DeviceConfiguration"] == {"ChallengeRequiredOnNewDevice": True,
                                           "DeviceOnlyRememberedOnUserPrompt": not updated}
    assert schema_attr(main, "email")["Required"] is True
    tenant = schema_attr(main, "custom:tenant")
    assert tenant["AttributeDataType"] == "String" and tenant["Mutable"] is True
    assert tenant["StringAttributeConstraints"] == {"MinLength": "1", "MaxLength": "64"}
    numbers = ["custom:level", "custom:score"] if updated else ["custom:level"]
    for name in numbers:
        a = schema_attr(main, name)
        assert a["AttributeDataType"] == "Number"
        assert a["NumberAttributeConstraints"] == {"MinValue": "0", "MaxValue": "100"}
    if not updated:
        assert "custom:score" not in [a["Name"] for a in main["SchemaAttributes"]]
    assert main["UserPoolTags"] == ({"env": "test", "team": "identity"} if updated else {"env": "test"})
    assert main["Domain"] == f"tf-{suffix}"
    assert main["EstimatedNumberOfUsers"] == 1
    mfa = idp.get_user_pool_mfa_config(UserPoolId=ids["main"])
    assert mfa["MfaConfiguration"] == "OFF" and "SoftwareTokenMfaConfiguration" not in mfa

    full = idp.describe_user_pool(UserPoolId=ids["full"])["UserPool"]
    assert sorted(full["AliasAttributes"]) == ["email", "preferred_username"]
    assert full["MfaConfiguration"] == "OPTIONAL"
    assert idp.get_user_pool_mfa_config(UserPoolId=ids["full"])["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
    assert full["SmsAuthenticationMessage"] == "Your MFA code is {####}"
    admin = full["AdminCreateUserConfig"]
    assert admin["AllowAdminCreateUserOnly"] is True
    assert admin["InviteMessageTemplate"] == {
        "EmailMessage": "Hello {username}, your password is {####}",
        "EmailSubject": "Welcome aboard" if updated else "Welcome",
        "SMSMessage": "Hi {username}, pw {####}",
    }
    assert full["AccountRecoverySetting"] == {"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]}
    assert full["UsernameConfiguration"] == {"CaseSensitive": False}
    assert full["UserAttributeUpdateSettings"] == {"AttributesRequireVerificationBeforeUpdate": ["email"]}
    assert full["EmailConfiguration"]["ReplyToEmailAddress"] == "support@example.com"
    assert full["LambdaConfig"]["DefineAuthChallenge"] == "arn:aws:lambda:us-east-1:123456789012:function:define"
    assert full["UserPoolAddOns"] == {"AdvancedSecurityMode": "OFF"}
    flag = schema_attr(full, "custom:flag")
    assert flag["AttributeDataType"] == "Boolean" and flag["Mutable"] is False
    assert schema_attr(full, "custom:born")["AttributeDataType"] == "DateTime"

    minimal = idp.describe_user_pool(UserPoolId=ids["minimal"])["UserPool"]
    assert minimal["Name"] == f"tf-minimal-{suffix}" and minimal["MfaConfiguration"] == "OFF"
    assert minimal["Policies"]["PasswordPolicy"]["MinimumLength"] == 8


def check_clients(idp, ids: dict, updated: bool) -> None:
    api = ids["api"]
    web = idp.describe_user_pool_client(UserPoolId=ids["main"], ClientId=ids["web"])["UserPoolClient"]
    assert "ClientSecret" not in web
    assert web["AllowedOAuthFlowsUserPoolClient"] is True and web["AllowedOAuthFlows"] == ["code"]
    scopes = {"openid", "email", "profile", f"{api}/read"} | ({f"{api}/write"} if updated else set())
    assert set(web["AllowedOAuthScopes"]) == scopes
    callbacks = {"http://localhost:3000/callback"} | ({"https://app.example.com/callback"} if updated else set())
    assert set(web["CallbackURLs"]) == callbacks
    assert web["LogoutURLs"] == ["http://localhost:3000/"] and web["SupportedIdentityProviders"] == ["COGNITO"]
    assert web["AccessTokenValidity"] == (30 if updated else 60)
    assert web["TokenValidityUnits"] == {"AccessToken": "minutes", "IdToken": "hours", "RefreshToken": "days"}
    assert web["PreventUserExistenceErrors"] == "ENABLED"

    backend = idp.describe_user_pool_client(UserPoolId=ids["main"], ClientId=ids["backend"])["UserPoolClient"]
    assert backend["ClientSecret"]
    assert backend["RefreshTokenValidity"] == (7 if updated else 30)
    assert backend["CallbackURLs"] == ["https://app.example.com/oauth/callback"]
    # Terraform's update sends `[]` for the lists it has no value for; they stay "not set" (every attribute
    # readable and writable), as in Cognito.
    for unset in ("ReadAttributes", "WriteAttributes", "LogoutURLs", "SupportedIdentityProviders"):
        assert unset not in backend, (unset, backend.get(unset))

    full = idp.describe_user_pool_client(UserPoolId=ids["full"], ClientId=ids["full_client"])["UserPoolClient"]
    assert full["ClientSecret"] and full["AllowedOAuthFlows"] == ["client_credentials"]
    assert full["AllowedOAuthScopes"] == ["api/read"]
    assert (full["AccessTokenValidity"], full["IdTokenValidity"], full["RefreshTokenValidity"],
            full["AuthSessionValidity"]) == (2, 3, 10, 5)
    assert sorted(full["ReadAttributes"]) == ["custom:flag", "email", "email_verified"]
    assert full["WriteAttributes"] == ["email"] and full["EnableTokenRevocation"] is True

    rs = idp.describe_resource_server(UserPoolId=ids["main"], Identifier=api)["ResourceServer"]
    assert rs["Name"] == ("api-v2" if updated else "api")
    names = ["read", "write", "admin"] if updated else ["read", "write"]
    assert sorted(s["ScopeName"] for s in rs["Scopes"]) == sorted(names)
    assert {s["ScopeName"]: s["ScopeDescription"] for s in rs["Scopes"]}["read"] == "Read things"

    domain = idp.describe_user_pool_domain(Domain=ids["domain"])["DomainDescription"]
    assert domain["UserPoolId"] == ids["main"] and domain["Domain"] == ids["domain"]

    pool_ui = idp.get_ui_customization(UserPoolId=ids["main"], ClientId="ALL")["UICustomization"]
    colour = "#654321" if updated else "#123456"
    assert pool_ui["CSS"] == f".banner-customizable {{ background-color: {colour}; }}"
    web_ui = idp.get_ui_customization(UserPoolId=ids["main"], ClientId=ids["web"])["UICustomization"]
    assert web_ui["CSS"] == ".label-customizable { font-weight: 400; }" and web_ui["ImageUrl"]


def check_users(idp, unsigned, ids: dict, updated: bool) -> None:
    admins = idp.get_group(UserPoolId=ids["main"], GroupName="admins")["Group"]
    assert admins["Description"] == ("Administrators of the app" if updated else "Administrators")
    assert admins["Precedence"] == (2 if updated else 1)
    role = idp.get_group(UserPoolId=ids["full"], GroupName="role")["Group"]
    assert role["RoleArn"] == "arn:aws:iam::123456789012:role/app" and role["Precedence"] == 5

    alice = idp.admin_get_user(UserPoolId=ids["main"], Username=ids["alice"])
    assert alice["UserStatus"] == "FORCE_CHANGE_PASSWORD" and alice["Enabled"] is True
    a = attr_map(alice["UserAttributes"])
    assert a["sub"] == ids["alice_sub"] and a["email"] == ids["alice"] and a["email_verified"] == "true"
    if updated:
        assert a["custom:tenant"] == "globex" and a["given_name"] == "Alice" and "custom:level" not in a
    else:
        assert a["custom:tenant"] == "acme" and a["custom:level"] == "7" and "given_name" not in a
    groups = idp.admin_list_groups_for_user(UserPoolId=ids["main"], Username=ids["alice"])["Groups"]
    assert [g["GroupName"] for g in groups] == ["admins"]
    # The temporary password Terraform set works, and asks for a new one.
    r = unsigned.initiate_auth(ClientId=ids["web"], AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": ids["alice"], "PASSWORD": "Temp-Passw0rd1"})
    assert r["ChallengeName"] == "NEW_PASSWORD_REQUIRED"

    bob = idp.admin_get_user(UserPoolId=ids["full"], Username="bob")
    assert bob["UserStatus"] == "CONFIRMED" and bob["Enabled"] is (not updated)
    if not updated:
        # The permanent password Terraform set signs in, through the client with a secret.
        secret = idp.describe_user_pool_client(UserPoolId=ids["full"],
                                               ClientId=ids["full_client"])["UserPoolClient"]["ClientSecret"]
        r = unsigned.initiate_auth(ClientId=ids["full_client"], AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": "bob", "PASSWORD": "Perm-Passw0rd!",
                                                   "SECRET_HASH": secret_hash("bob", ids["full_client"], secret)})
        assert r["AuthenticationResult"]["AccessToken"]

    carol = idp.admin_get_user(UserPoolId=ids["minimal"], Username="carol")
    assert carol["Enabled"] is False and list(attr_map(carol["UserAttributes"])) == ["sub"]


def check_data_sources(outputs: dict, ids: dict) -> None:
    data = outputs["data"]
    assert data["estimated_users"] == 1
    assert data["pool_domain"] == ids["domain"] and data["pool_ids"] == [ids["main"]]
    assert sorted(data["client_names"]) == ["backend", "web"]
    assert data["full_groups"] == ["role"]


# --------------------------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------------------------


def apply_and_check(tf, idp, unsigned, suffix: str, updated: bool) -> dict:
    """`terraform apply`, then every resource and data source checked against the server: the outputs' ids."""
    tf.apply()
    outputs = tf.outputs()
    ids = outputs["ids"]
    check_pools(idp, ids, suffix, updated=updated)
    check_clients(idp, ids, updated=updated)
    check_users(idp, unsigned, ids, updated=updated)
    check_data_sources(outputs, ids)
    return ids


@pytest.mark.timeout(600)
def test_apply_plan_update_plan_destroy(tf_binary, server_factory, tmp_path):
    srv = server_factory().start()
    idp, unsigned = srv.client(), srv.unsigned_client()
    tf = init(tf_binary, tmp_path / "tf" / "work")
    suffix = uuid.uuid4().hex[:8]
    base = dict(endpoint=srv.endpoint, access_key=srv.key_id, secret_key=srv.secret, suffix=suffix)

    # 1. Create everything.
    tf.set_vars(**base)
    ids = apply_and_check(tf, idp, unsigned, suffix, updated=False)
    tf.assert_no_drift("the first apply")

    # 2. Change a few arguments, and adopt the client a search service created in the minimal pool.
    managed = idp.create_user_pool_client(UserPoolId=ids["minimal"], ClientName=f"{MANAGED_PREFIX}{suffix}",
                                          GenerateSecret=True)["UserPoolClient"]
    tf.set_vars(**base, updated=True, managed_client_prefix=MANAGED_PREFIX)
    ids = apply_and_check(tf, idp, unsigned, suffix, updated=True)
    adopted = idp.describe_user_pool_client(UserPoolId=ids["minimal"],
                                            ClientId=managed["ClientId"])["UserPoolClient"]
    assert adopted["CallbackURLs"] == ["https://search.example.com/_dashboards/app/home"]
    assert adopted["AllowedOAuthFlows"] == ["code"] and sorted(adopted["AllowedOAuthScopes"]) == ["email", "openid"]
    assert adopted["ClientSecret"] == managed["ClientSecret"]
    tf.assert_no_drift("the update")

    # 3. Destroy: nothing is left behind.
    tf.run("destroy", "-auto-approve", "-input=false", "-refresh=false")
    assert [p["Id"] for p in idp.list_user_pools(MaxResults=60)["UserPools"]] == []
    assert idp.describe_user_pool_domain(Domain=ids["domain"])["DomainDescription"] == {}
    for pool in ("main", "full", "minimal"):
        with pytest.raises(ClientError) as e:
            idp.describe_user_pool(UserPoolId=ids[pool])
        assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    state = json.loads((tf.dir / "terraform.tfstate").read_text())
    assert state["resources"] == [] or all(r["mode"] == "data" for r in state["resources"]), state["resources"]


# --------------------------------------------------------------------------------------------------------------
# Identity pools (terraform/identity/identity.tf)
# --------------------------------------------------------------------------------------------------------------


def tf_role(name: str) -> str:
    return f"arn:aws:iam::{DEFAULT_ACCOUNT}:role/{name}"


def check_identity(ik: IdKit, outputs: dict, suffix: str, updated: bool) -> None:
    ids, data = outputs["ids"], outputs["data"]
    pid, provider = ids["identity_pool"], ids["provider"]
    # The provider learnt the account from STS GetCallerIdentity.
    assert ids["account"] == DEFAULT_ACCOUNT and ids["caller_arn"] == caller(ik.server)["Arn"]
    assert ids["arn"] == pool_arn(pid) and provider == f"cognito-idp.us-east-1.amazonaws.com/{ids['user_pool']}"

    pool = ik.ci.describe_identity_pool(IdentityPoolId=pid)
    tags = {"env": "test", "team": "identity"} if updated else {"env": "test"}
    assert pool["IdentityPoolName"] == f"tf identity {suffix}"
    assert pool["AllowUnauthenticatedIdentities"] is updated and pool.get("AllowClassicFlow", False) is False
    # Terraform never sends the developer provider name on update: it stays.
    assert pool["DeveloperProviderName"] == "login.tf.example"
    assert pool["SupportedLoginProviders"] == {"accounts.google.com": "123-abc.apps.googleusercontent.com"}
    assert sorted(pool["CognitoIdentityProviders"], key=lambda p: p["ClientId"]) == sorted([
        {"ProviderName": provider, "ClientId": ids["web"], "ServerSideTokenCheck": False},
        {"ProviderName": provider, "ClientId": ids["mobile"], "ServerSideTokenCheck": True},
    ], key=lambda p: p["ClientId"])
    assert pool["IdentityPoolTags"] == tags
    assert ik.ci.list_tags_for_resource(ResourceArn=ids["arn"])["Tags"] == tags

    roles = ik.ci.get_identity_pool_roles(IdentityPoolId=pid)
    assert roles["Roles"] == {"authenticated": tf_role("tf-auth"), "unauthenticated": tf_role("tf-guest")}
    assert roles["RoleMappings"] == {
        f"{provider}:{ids['web']}": {"Type": "Rules", "AmbiguousRoleResolution": "AuthenticatedRole",
                                     "RulesConfiguration": {"Rules": [
                                         {"Claim": "email", "MatchType": "Contains",
                                          "Value": "@staff." if updated else "@corp.", "RoleARN": tf_role("tf-corp")},
                                         {"Claim": "email", "MatchType": "StartsWith", "Value": "boss@",
                                          "RoleARN": tf_role("tf-boss")},
                                     ]}},
        f"{provider}:{ids['mobile']}": {"Type": "Token", "AmbiguousRoleResolution": "Deny"},
    }
    tags_map = ik.ci.get_principal_tag_attribute_map(IdentityPoolId=pid, IdentityProviderName=provider)
    assert tags_map["UseDefaults"] is False
    assert tags_map["PrincipalTags"] == ({"user": "sub", "app": "aud"} if updated else {"user": "sub"})

    assert data == {"id": pid, "arn": ids["arn"], "allow_unauth": updated, "developer_provider": "login.tf.example",
                    "provider_client_ids": sorted([ids["web"], ids["mobile"]]), "tags": tags}

    # The configuration works: a user of the Terraform-made pool gets the role the Rules mapping names.
    email = f"ann@{'staff' if updated else 'corp'}.example"
    token = ik.user_token(ids["user_pool"], ids["web"], email=email)
    iid = ik.get_id(pid, {provider: token})
    assert ik.role_of(iid, {provider: token}) == assumed_role_arn(tf_role("tf-corp"))


@pytest.mark.timeout(600)
def test_identity_pools_apply_plan_update_plan_destroy(tf_binary, server_factory, tmp_path):
    srv = server_factory().start()
    ik = IdKit(srv)
    tf = init(tf_binary, tmp_path / "tf" / "work", source=IDENTITY)
    suffix = uuid.uuid4().hex[:8]
    base = dict(endpoint=srv.endpoint, access_key=srv.key_id, secret_key=srv.secret, suffix=suffix)

    tf.set_vars(**base)
    tf.apply()
    check_identity(ik, tf.outputs(), suffix, updated=False)
    tf.assert_no_drift("the first apply")

    tf.set_vars(**base, updated=True)
    tf.apply()
    outputs = tf.outputs()
    check_identity(ik, outputs, suffix, updated=True)
    tf.assert_no_drift("the update")

    tf.run("destroy", "-auto-approve", "-input=false")
    ids = outputs["ids"]
    with pytest.raises(ClientError) as e:
        ik.ci.describe_identity_pool(IdentityPoolId=ids["identity_pool"])
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert ik.ci.list_identity_pools(MaxResults=60)["IdentityPools"] == []
    with pytest.raises(ClientError) as e:
        ik.users.idp.describe_user_pool(UserPoolId=ids["user_pool"])
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    state = json.loads((tf.dir / "terraform.tfstate").read_text())
    assert all(r["mode"] == "data" for r in state["resources"]), state["resources"]
