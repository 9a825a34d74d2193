"""Groups: Create/Get/Update/Delete/ListGroups, membership (AdminAddUserToGroup, AdminRemoveUserFromGroup,
AdminListGroupsForUser, ListUsersInGroup), and the cognito:groups / cognito:roles / cognito:preferred_role claims,
where the group with the lowest Precedence decides the preferred role."""

import datetime as dt

from conftest import client_error, pages_of
from userlib import jwt_claims, new_email


def role(name):
    return f"arn:aws:iam::123456789012:role/{name}"


def test_group_crud(kit, app):
    pool, _ = app
    g = kit.idp.create_group(UserPoolId=pool, GroupName="admins", Description="Admins", RoleArn=role("admins"),
                             Precedence=1)["Group"]
    assert g["GroupName"] == "admins" and g["UserPoolId"] == pool
    assert g["Description"] == "Admins" and g["RoleArn"] == role("admins") and g["Precedence"] == 1
    assert isinstance(g["CreationDate"], dt.datetime) and isinstance(g["LastModifiedDate"], dt.datetime)
    assert kit.idp.get_group(UserPoolId=pool, GroupName="admins")["Group"] == g

    bare = kit.idp.create_group(UserPoolId=pool, GroupName="bare")["Group"]
    for absent in ("Description", "RoleArn", "Precedence"):
        assert absent not in bare, absent

    with client_error("GroupExistsException"):
        kit.idp.create_group(UserPoolId=pool, GroupName="admins")

    u = kit.idp.update_group(UserPoolId=pool, GroupName="admins", Description="All admins", Precedence=3)["Group"]
    assert u["Description"] == "All admins" and u["Precedence"] == 3
    assert kit.idp.get_group(UserPoolId=pool, GroupName="admins")["Group"]["Precedence"] == 3

    with client_error("ResourceNotFoundException"):
        kit.idp.get_group(UserPoolId=pool, GroupName="nope")
    with client_error("ResourceNotFoundException"):
        kit.idp.update_group(UserPoolId=pool, GroupName="nope", Description="x")

    kit.idp.delete_group(UserPoolId=pool, GroupName="bare")
    with client_error("ResourceNotFoundException"):
        kit.idp.get_group(UserPoolId=pool, GroupName="bare")
    with client_error("ResourceNotFoundException"):
        kit.idp.delete_group(UserPoolId=pool, GroupName="bare")
    with client_error("ResourceNotFoundException"):
        kit.idp.create_group(UserPoolId="us-east-1_Nope0000", GroupName="g")


def test_list_groups_paging(kit, app):
    pool, _ = app
    want = {f"g{i:02d}" for i in range(13)}
    for g in want:
        kit.idp.create_group(UserPoolId=pool, GroupName=g)
    got = pages_of(kit.idp.list_groups, "NextToken", "Groups", 5, 20, UserPoolId=pool, Limit=5)
    seen = [g["GroupName"] for r in got for g in r["Groups"]]
    assert sorted(seen) == sorted(want)
    assert len(got) >= 3
    via = [g["GroupName"] for p in kit.idp.get_paginator("list_groups").paginate(UserPoolId=pool) for g in p["Groups"]]
    assert sorted(via) == sorted(want)


def test_membership(kit, app):
    pool, _ = app
    for g in ("a", "b", "c"):
        kit.idp.create_group(UserPoolId=pool, GroupName=g)
    for u in ("u1", "u2", "u3"):
        kit.admin_user(pool, u, email=new_email(u))
    kit.idp.admin_add_user_to_group(UserPoolId=pool, Username="u1", GroupName="a")
    kit.idp.admin_add_user_to_group(UserPoolId=pool, Username="u1", GroupName="a")  # idempotent
    kit.idp.admin_add_user_to_group(UserPoolId=pool, Username="u1", GroupName="b")
    kit.idp.admin_add_user_to_group(UserPoolId=pool, Username="u2", GroupName="a")

    def groups_of(u):
        return sorted(g["GroupName"] for p in kit.idp.get_paginator("admin_list_groups_for_user").paginate(
            UserPoolId=pool, Username=u, PaginationConfig={"PageSize": 1}) for g in p["Groups"])

    def users_in(g):
        return sorted(u["Username"] for p in kit.idp.get_paginator("list_users_in_group").paginate(
            UserPoolId=pool, GroupName=g, PaginationConfig={"PageSize": 1}) for u in p["Users"])

    assert groups_of("u1") == ["a", "b"]
    assert groups_of("u2") == ["a"]
    assert groups_of("u3") == []
    assert users_in("a") == ["u1", "u2"]
    assert users_in("b") == ["u1"]
    assert users_in("c") == []
    listed = kit.idp.list_users_in_group(UserPoolId=pool, GroupName="a")["Users"][0]
    assert {"Username", "Attributes", "Enabled", "UserStatus"} <= set(listed)

    kit.idp.admin_remove_user_from_group(UserPoolId=pool, Username="u1", GroupName="a")
    assert groups_of("u1") == ["b"] and users_in("a") == ["u2"]

    # Deleting a group or a user drops the memberships.
    kit.idp.delete_group(UserPoolId=pool, GroupName="b")
    assert groups_of("u1") == []
    kit.idp.admin_delete_user(UserPoolId=pool, Username="u2")
    assert users_in("a") == []

    for call, code in [
        (lambda: kit.idp.admin_add_user_to_group(UserPoolId=pool, Username="nobody", GroupName="a"),
         "UserNotFoundException"),
        (lambda: kit.idp.admin_add_user_to_group(UserPoolId=pool, Username="u3", GroupName="nope"),
         "ResourceNotFoundException"),
        (lambda: kit.idp.admin_list_groups_for_user(UserPoolId=pool, Username="nobody"), "UserNotFoundException"),
        (lambda: kit.idp.list_users_in_group(UserPoolId=pool, GroupName="nope"), "ResourceNotFoundException"),
        (lambda: kit.idp.admin_remove_user_from_group(UserPoolId=pool, Username="nobody", GroupName="a"),
         "UserNotFoundException"),
    ]:
        with client_error(code):
            call()


def test_group_claims_and_preferred_role(kit, app):
    pool, cid = app
    kit.idp.create_group(UserPoolId=pool, GroupName="admins", RoleArn=role("admins"), Precedence=1)
    kit.idp.create_group(UserPoolId=pool, GroupName="staff", RoleArn=role("staff"), Precedence=5)
    kit.idp.create_group(UserPoolId=pool, GroupName="floating", RoleArn=role("floating"))  # no precedence
    kit.idp.create_group(UserPoolId=pool, GroupName="plain", Precedence=9)  # no role
    kit.admin_user(pool, "gu", email=new_email("gu"))

    t = kit.sign_in(cid, "gu")
    c = jwt_claims(t["IdToken"])
    assert "cognito:groups" not in c and "cognito:roles" not in c and "cognito:preferred_role" not in c
    assert "cognito:groups" not in jwt_claims(t["AccessToken"])

    for g in ("staff", "floating", "plain", "admins"):
        kit.idp.admin_add_user_to_group(UserPoolId=pool, Username="gu", GroupName=g)
    t = kit.sign_in(cid, "gu")
    c = jwt_claims(t["IdToken"])
    assert sorted(c["cognito:groups"]) == ["admins", "floating", "plain", "staff"]
    assert sorted(c["cognito:roles"]) == sorted([role("admins"), role("staff"), role("floating")])
    assert c["cognito:preferred_role"] == role("admins")
    assert sorted(jwt_claims(t["AccessToken"])["cognito:groups"]) == ["admins", "floating", "plain", "staff"]

    # Precedence changes are seen on refresh.
    kit.idp.update_group(UserPoolId=pool, GroupName="staff", Precedence=0)
    c = jwt_claims(kit.refresh(cid, t["RefreshToken"])["IdToken"])
    assert c["cognito:preferred_role"] == role("staff")

    # Without the ranked groups, a group without precedence loses to nothing: its role is the only one.
    kit.idp.admin_remove_user_from_group(UserPoolId=pool, Username="gu", GroupName="staff")
    kit.idp.admin_remove_user_from_group(UserPoolId=pool, Username="gu", GroupName="admins")
    c = jwt_claims(kit.refresh(cid, t["RefreshToken"])["IdToken"])
    assert sorted(c["cognito:groups"]) == ["floating", "plain"]
    assert c["cognito:roles"] == [role("floating")]
    assert c["cognito:preferred_role"] == role("floating")

    # A group with a precedence wins over one without.
    kit.idp.create_group(UserPoolId=pool, GroupName="ranked", RoleArn=role("ranked"), Precedence=50)
    kit.idp.admin_add_user_to_group(UserPoolId=pool, Username="gu", GroupName="ranked")
    c = jwt_claims(kit.refresh(cid, t["RefreshToken"])["IdToken"])
    assert c["cognito:preferred_role"] == role("ranked")

    # Out of every group: the claims are gone.
    for g in ("floating", "plain", "ranked"):
        kit.idp.admin_remove_user_from_group(UserPoolId=pool, Username="gu", GroupName=g)
    fresh = kit.refresh(cid, t["RefreshToken"])
    c = jwt_claims(fresh["IdToken"])
    assert "cognito:groups" not in c and "cognito:preferred_role" not in c and "cognito:roles" not in c
    assert "cognito:groups" not in jwt_claims(fresh["AccessToken"])


def test_equal_precedence_has_no_preferred_role(kit, app):
    """Cognito (CreateGroup docs): two groups of equal precedence with different roles → no preferred_role; with
    the same role → that role."""
    pool, cid = app
    kit.idp.create_group(UserPoolId=pool, GroupName="x", RoleArn=role("x"), Precedence=2)
    kit.idp.create_group(UserPoolId=pool, GroupName="y", RoleArn=role("y"), Precedence=2)
    kit.idp.create_group(UserPoolId=pool, GroupName="z", RoleArn=role("x"), Precedence=2)
    kit.admin_user(pool, "tie", email=new_email("tie"))
    kit.idp.admin_add_user_to_group(UserPoolId=pool, Username="tie", GroupName="x")
    kit.idp.admin_add_user_to_group(UserPoolId=pool, Username="tie", GroupName="z")
    c = jwt_claims(kit.sign_in(kit.client(pool), "tie")["IdToken"])
    assert c["cognito:preferred_role"] == role("x")
    kit.idp.admin_add_user_to_group(UserPoolId=pool, Username="tie", GroupName="y")
    c = jwt_claims(kit.sign_in(cid, "tie")["IdToken"])
    assert "cognito:preferred_role" not in c, c
    assert sorted(c["cognito:roles"]) == [role("x"), role("y")], "cognito:roles is a set of role ARNs"
