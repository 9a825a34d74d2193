"""ListUsers over 300 users: every searchable attribute with `=` and `^=`, the exact result set of each filter,
paging with Limit/PaginationToken that visits every user exactly once, AttributesToGet, and validation."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError

from conftest import client_error, unique
from userlib import PASSWORD, attr_map, attrs

N = 300
GIVEN = ["Ann", "Bob", "Cat", "Dan", "Eve"]
DOMAINS = ["alpha.example", "beta.example", "gamma.example"]


def spec(i):
    given, family = GIVEN[i % 5], f"Fam{i // 10:02d}"
    a = {
        "email": f"user{i:03d}@{DOMAINS[i % 3]}",
        "given_name": given,
        "family_name": family,
        "name": f"{given} {family}",
        "phone_number": f"+1555{i:07d}",
    }
    if i % 7 == 0:
        a["preferred_username"] = f"pref{i:03d}"
    return a


def confirmed(i):
    return i % 4 == 0


def disabled(i):
    return i % 11 == 0


@pytest.fixture(scope="module")
def crowd(kit):
    """A pool with N users (AdminCreateUser, SUPPRESS); some confirmed, some disabled. Returns (pool, subs)."""
    pool = kit.idp.create_user_pool(PoolName=unique("crowd"))["UserPool"]["Id"]
    clients = [kit.server.client() for _ in range(4)]

    def make(i):
        c = clients[i % 4]
        u = c.admin_create_user(UserPoolId=pool, Username=f"user{i:03d}", UserAttributes=attrs(spec(i)),
                                MessageAction="SUPPRESS", TemporaryPassword=PASSWORD)["User"]
        if confirmed(i):
            c.admin_set_user_password(UserPoolId=pool, Username=f"user{i:03d}", Password=PASSWORD, Permanent=True)
        if disabled(i):
            c.admin_disable_user(UserPoolId=pool, Username=f"user{i:03d}")
        return attr_map(u["Attributes"])["sub"]

    with ThreadPoolExecutor(4) as ex:
        subs = list(ex.map(make, range(N)))
    yield pool, subs
    kit.idp.delete_user_pool(UserPoolId=pool)


def list_all(idp, pool, limit=60, **kw):
    """Follows PaginationToken by hand; checks each page's size. Returns every user, in order."""
    out, token, pages = [], None, 0
    while True:
        args = dict(UserPoolId=pool, Limit=limit, **kw)
        if token:
            args["PaginationToken"] = token
        r = idp.list_users(**args)
        assert len(r["Users"]) <= limit
        out += r["Users"]
        pages += 1
        assert pages <= N + 2, "pagination does not end"
        token = r.get("PaginationToken")
        if not token:
            return out


def names(users):
    return [u["Username"] for u in users]


def expect(pred):
    return {f"user{i:03d}" for i in range(N) if pred(i)}


def test_paging_visits_every_user_once(kit, crowd):
    pool, subs = crowd
    for limit in (60, 7, 13):
        got = names(list_all(kit.idp, pool, limit=limit))
        assert len(got) == N, f"Limit={limit}: {len(got)} users listed"
        assert len(set(got)) == N, f"Limit={limit}: duplicates {sorted(x for x in got if got.count(x) > 1)[:10]}"
        assert set(got) == expect(lambda i: True)
    # Full pages while there is more.
    first = kit.idp.list_users(UserPoolId=pool, Limit=60)
    assert len(first["Users"]) == 60 and first["PaginationToken"]
    # boto3's own paginator agrees.
    pages = list(kit.idp.get_paginator("list_users").paginate(UserPoolId=pool, PaginationConfig={"PageSize": 50}))
    via = [u["Username"] for p in pages for u in p["Users"]]
    assert sorted(via) == sorted(expect(lambda i: True)) and len(via) == N
    # Without Limit: at most 60 per page.
    assert len(kit.idp.list_users(UserPoolId=pool)["Users"]) <= 60


def test_user_shape(kit, crowd):
    pool, subs = crowd
    users = {u["Username"]: u for u in list_all(kit.idp, pool, Filter='username = "user044"')}
    u = users["user044"]
    assert set(u) >= {"Username", "Attributes", "UserCreateDate", "UserLastModifiedDate", "Enabled", "UserStatus"}
    assert u["Enabled"] is False and u["UserStatus"] == "CONFIRMED"
    m = attr_map(u["Attributes"])
    assert m["sub"] == subs[44]
    for k, v in spec(44).items():
        assert m[k] == v, k


FILTERS = [
    ('username = "user007"', lambda i: i == 7),
    ('username ^= "user01"', lambda i: 10 <= i <= 19),
    ('email = "user042@alpha.example"', lambda i: i == 42),
    ('email = "user042@beta.example"', lambda i: False),
    ('email ^= "user1"', lambda i: 100 <= i <= 199),
    ('phone_number = "+15550000123"', lambda i: i == 123),
    ('phone_number ^= "+155500002"', lambda i: 200 <= i <= 299),
    ('name = "Bob Fam03"', lambda i: i % 5 == 1 and i // 10 == 3),
    ('name ^= "Cat Fam1"', lambda i: i % 5 == 2 and 10 <= i // 10 <= 19),
    ('given_name = "Eve"', lambda i: i % 5 == 4),
    ('given_name ^= "E"', lambda i: i % 5 == 4),
    ('given_name = "eve"', lambda i: False),
    ('family_name = "Fam29"', lambda i: i // 10 == 29),
    ('family_name ^= "Fam0"', lambda i: i < 100),
    ('preferred_username = "pref014"', lambda i: i == 14),
    ('preferred_username ^= "pref0"', lambda i: i % 7 == 0 and i < 100),
    ('cognito:user_status = "CONFIRMED"', confirmed),
    ('cognito:user_status = "FORCE_CHANGE_PASSWORD"', lambda i: not confirmed(i)),
    ('status = "Disabled"', disabled),
    ('status = "Enabled"', lambda i: not disabled(i)),
    ('email ^= ""', lambda i: True),
]


@pytest.mark.parametrize("flt,pred", FILTERS, ids=[f for f, _ in FILTERS])
def test_filter_exact_result_set(kit, crowd, flt, pred):
    pool, subs = crowd
    got = names(list_all(kit.idp, pool, limit=25, Filter=flt))
    assert len(got) == len(set(got)), f"{flt}: duplicates"
    want = expect(pred)
    assert set(got) == want, f"{flt}: missing {sorted(want - set(got))[:10]}, extra {sorted(set(got) - want)[:10]}"


def test_filter_by_sub(kit, crowd):
    pool, subs = crowd
    got = names(list_all(kit.idp, pool, Filter=f'sub = "{subs[123]}"'))
    assert got == ["user123"]
    got = names(list_all(kit.idp, pool, Filter=f'sub ^= "{subs[200][:8]}"'))
    assert "user200" in got


def test_attributes_to_get(kit, crowd):
    pool, subs = crowd
    users = list_all(kit.idp, pool, AttributesToGet=["email"], Filter='family_name = "Fam05"')
    assert names(users) and set(names(users)) == expect(lambda i: i // 10 == 5)
    for u in users:
        assert [a["Name"] for a in u["Attributes"]] == ["email"], u
        assert u["Attributes"][0]["Value"] == spec(int(u["Username"][4:]))["email"]
        assert "UserStatus" in u and "Enabled" in u
    users = list_all(kit.idp, pool, AttributesToGet=["given_name"], Filter='username = "user001"')
    assert users[0]["Attributes"] == [{"Name": "given_name", "Value": "Bob"}]


def test_validation(kit, crowd):
    pool, subs = crowd
    nv = kit.server.client(validate=False)
    with client_error("InvalidParameterException"):
        nv.list_users(UserPoolId=pool, Limit=61)
    for bad in ('email == "x"', 'custom:tier = "x"', 'bogus = "x"', 'email = x', 'email ~ "x"'):
        with pytest.raises(ClientError) as ex:
            kit.idp.list_users(UserPoolId=pool, Filter=bad)
        assert ex.value.response["Error"]["Code"] == "InvalidParameterException", (bad, ex.value.response)
    with client_error("ResourceNotFoundException"):
        kit.idp.list_users(UserPoolId="us-east-1_Nope0000")


def test_attributes_to_get_unknown_attribute(kit, crowd):
    """Cognito: InvalidParameterException "One or more requested attributes do not exist." """
    pool, subs = crowd
    with client_error("InvalidParameterException"):
        kit.idp.list_users(UserPoolId=pool, AttributesToGet=["not_an_attribute"])
