//! Cognito's own request-rate quotas (optional, `cognito_quotas`): each operation belongs to a category with a
//! default rate, and calls beyond it answer TooManyRequestsException — so a team can test its throttling and
//! retry handling against Latchkey. Cognito counts per account and Region; Latchkey counts per node, on arrival
//! (before a signature is checked): a testing aid, not a protection.
//!
//! Categories and default rates are the developer guide's "Quotas in Amazon Cognito" table. The guide names the
//! members of UserAuthentication (InitiateAuth, AdminInitiateAuth and the two RespondToAuthChallenge operations,
//! which get their own allowance of three times the category's rate, the excess counting towards it) and of
//! UserCreation (SignUp, ConfirmSignUp, AdminCreateUser, AdminConfirmSignUp); the other operations are placed by
//! the category descriptions. Not modelled: ClientAuthentication (client_credentials at `/oauth2/token`, 150/s)
//! and UserFederation, which are not AWS JSON operations; the 5 RPS per pool cap on single pool-resource and
//! client operations; and the per-user read/write caps.

use std::time::Duration;

use governor::clock::{Clock, MonotonicClock};

use super::keyed::{DirectLimiter, Rate};

/// Cognito's own category names, as the quota console shows them.
#[allow(clippy::enum_variant_names)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    UserAuthentication,
    UserCreation,
    UserAccountRecovery,
    UserRead,
    UserUpdate,
    UserToken,
    UserResourceRead,
    UserResourceUpdate,
    UserList,
    UserPoolRead,
    UserPoolUpdate,
    UserPoolResourceRead,
    UserPoolResourceUpdate,
    UserPoolClientRead,
    UserPoolClientUpdate,
}

const ALL: [Category; 15] = [
    Category::UserAuthentication,
    Category::UserCreation,
    Category::UserAccountRecovery,
    Category::UserRead,
    Category::UserUpdate,
    Category::UserToken,
    Category::UserResourceRead,
    Category::UserResourceUpdate,
    Category::UserList,
    Category::UserPoolRead,
    Category::UserPoolUpdate,
    Category::UserPoolResourceRead,
    Category::UserPoolResourceUpdate,
    Category::UserPoolClientRead,
    Category::UserPoolClientUpdate,
];

impl Category {
    /// The default quota in requests per second.
    pub fn rate(self) -> u32 {
        match self {
            Category::UserAuthentication | Category::UserRead | Category::UserToken => 120,
            Category::UserCreation | Category::UserResourceRead => 50,
            Category::UserAccountRecovery | Category::UserList => 30,
            Category::UserUpdate | Category::UserResourceUpdate => 25,
            Category::UserPoolResourceRead => 20,
            Category::UserPoolRead
            | Category::UserPoolUpdate
            | Category::UserPoolResourceUpdate
            | Category::UserPoolClientRead
            | Category::UserPoolClientUpdate => 15,
        }
    }
}

/// The category an operation counts towards; `None` for operations outside every category.
pub fn category(op: &str) -> Option<Category> {
    use Category::*;
    Some(match op {
        "InitiateAuth" | "AdminInitiateAuth" | "RespondToAuthChallenge" | "AdminRespondToAuthChallenge" => {
            UserAuthentication
        }
        "SignUp" | "ConfirmSignUp" | "AdminCreateUser" | "AdminConfirmSignUp" => UserCreation,
        "ForgotPassword"
        | "ConfirmForgotPassword"
        | "ChangePassword"
        | "ResendConfirmationCode"
        | "AdminResetUserPassword"
        | "AdminSetUserPassword" => UserAccountRecovery,
        "GetUser" | "AdminGetUser" | "GetUserAuthFactors" | "AdminGetUserAuthFactors" => UserRead,
        "UpdateUserAttributes"
        | "DeleteUserAttributes"
        | "GetUserAttributeVerificationCode"
        | "VerifyUserAttribute"
        | "DeleteUser"
        | "AdminUpdateUserAttributes"
        | "AdminDeleteUserAttributes"
        | "AdminDeleteUser"
        | "AdminEnableUser"
        | "AdminDisableUser"
        | "SetUserMFAPreference"
        | "AdminSetUserMFAPreference"
        | "SetUserSettings"
        | "AdminSetUserSettings" => UserUpdate,
        "GlobalSignOut" | "AdminUserGlobalSignOut" | "RevokeToken" | "GetTokensFromRefreshToken" => UserToken,
        "GetDevice"
        | "ListDevices"
        | "AdminGetDevice"
        | "AdminListDevices"
        | "AdminListGroupsForUser"
        | "ListWebAuthnCredentials" => UserResourceRead,
        "ConfirmDevice"
        | "UpdateDeviceStatus"
        | "ForgetDevice"
        | "AdminUpdateDeviceStatus"
        | "AdminForgetDevice"
        | "AdminAddUserToGroup"
        | "AdminRemoveUserFromGroup"
        | "AssociateSoftwareToken"
        | "VerifySoftwareToken"
        | "StartWebAuthnRegistration"
        | "CompleteWebAuthnRegistration"
        | "DeleteWebAuthnCredential" => UserResourceUpdate,
        "ListUsers" | "ListUsersInGroup" => UserList,
        "DescribeUserPool" | "ListUserPools" => UserPoolRead,
        "CreateUserPool" | "UpdateUserPool" | "DeleteUserPool" => UserPoolUpdate,
        "GetGroup"
        | "ListGroups"
        | "DescribeResourceServer"
        | "ListResourceServers"
        | "DescribeUserPoolDomain"
        | "GetUICustomization"
        | "GetUserPoolMfaConfig"
        | "GetCSVHeader"
        | "ListTagsForResource"
        | "DescribeIdentityProvider"
        | "ListIdentityProviders"
        | "GetIdentityProviderByIdentifier"
        | "GetSigningCertificate" => UserPoolResourceRead,
        "CreateGroup"
        | "UpdateGroup"
        | "DeleteGroup"
        | "CreateResourceServer"
        | "UpdateResourceServer"
        | "DeleteResourceServer"
        | "CreateUserPoolDomain"
        | "UpdateUserPoolDomain"
        | "DeleteUserPoolDomain"
        | "SetUICustomization"
        | "SetUserPoolMfaConfig"
        | "AddCustomAttributes"
        | "TagResource"
        | "UntagResource"
        | "CreateIdentityProvider"
        | "UpdateIdentityProvider"
        | "DeleteIdentityProvider" => UserPoolResourceUpdate,
        "DescribeUserPoolClient" | "ListUserPoolClients" => UserPoolClientRead,
        "CreateUserPoolClient" | "UpdateUserPoolClient" | "DeleteUserPoolClient" => UserPoolClientUpdate,
        _ => return None,
    })
}

fn per_second(rps: u32) -> Rate {
    // A one-second bucket: the quota is a rate per second, so at most one second's worth arrives at once.
    Rate {
        per_second: f64::from(rps),
        burst: rps,
    }
}

pub struct CognitoQuotas<C: Clock = MonotonicClock> {
    categories: Vec<DirectLimiter<C>>,
    /// RespondToAuthChallenge's own allowance: three times UserAuthentication's rate.
    respond: DirectLimiter<C>,
}

impl CognitoQuotas<MonotonicClock> {
    pub fn new() -> Option<Self> {
        Self::with_clock(MonotonicClock)
    }
}

impl<C: Clock + Clone> CognitoQuotas<C> {
    pub fn with_clock(clock: C) -> Option<Self> {
        Some(Self {
            categories: ALL
                .iter()
                .map(|c| DirectLimiter::with_clock(per_second(c.rate()), clock.clone()))
                .collect::<Option<_>>()?,
            respond: DirectLimiter::with_clock(per_second(3 * Category::UserAuthentication.rate()), clock)?,
        })
    }

    fn limiter(&self, c: Category) -> Option<&DirectLimiter<C>> {
        let i = ALL.iter().position(|x| *x == c)?;
        self.categories.get(i)
    }

    /// `Err(wait)` when the operation's category is over its quota.
    pub fn check(&self, op: &str) -> Result<(), Duration> {
        let Some(c) = category(op) else {
            return Ok(());
        };
        let Some(limiter) = self.limiter(c) else {
            return Ok(());
        };
        if matches!(op, "RespondToAuthChallenge" | "AdminRespondToAuthChallenge")
            && self.respond.check().is_ok()
        {
            return Ok(());
        }
        limiter.check()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_members_are_in_their_categories() {
        for op in [
            "InitiateAuth",
            "AdminInitiateAuth",
            "RespondToAuthChallenge",
            "AdminRespondToAuthChallenge",
        ] {
            assert_eq!(category(op), Some(Category::UserAuthentication), "{op}");
        }
        for op in ["SignUp", "ConfirmSignUp", "AdminCreateUser", "AdminConfirmSignUp"] {
            assert_eq!(category(op), Some(Category::UserCreation), "{op}");
        }
        assert_eq!(Category::UserAuthentication.rate(), 120);
        assert_eq!(Category::UserCreation.rate(), 50);
        assert_eq!(Category::UserAccountRecovery.rate(), 30);
        assert_eq!(category("NoSuchOperation"), None);
    }

    use governor::clock::FakeRelativeClock;

    fn quotas() -> (CognitoQuotas<FakeRelativeClock>, FakeRelativeClock) {
        let clock = FakeRelativeClock::default();
        (CognitoQuotas::with_clock(clock.clone()).unwrap(), clock)
    }

    #[test]
    fn a_category_allows_one_second_of_its_rate_then_throttles() {
        let (q, clock) = quotas();
        // UserAccountRecovery: 30 per second, shared by its operations.
        for i in 0..30 {
            let op = if i % 2 == 0 {
                "ForgotPassword"
            } else {
                "AdminSetUserPassword"
            };
            assert!(q.check(op).is_ok(), "call {i}");
        }
        assert!(q.check("ConfirmForgotPassword").is_err());
        assert!(q.check("GetUser").is_ok(), "other categories are untouched");
        assert!(q.check("DescribeSomethingUnknown").is_ok());
        clock.advance(Duration::from_millis(100));
        for _ in 0..3 {
            assert!(
                q.check("ForgotPassword").is_ok(),
                "a tenth of a second refills three calls"
            );
        }
        assert!(q.check("ForgotPassword").is_err());
    }

    #[test]
    fn challenge_responses_have_three_times_the_allowance_then_spend_the_category() {
        let (q, _clock) = quotas();
        for _ in 0..360 {
            assert!(q.check("RespondToAuthChallenge").is_ok());
        }
        // Beyond 3 × 120 the excess counts towards UserAuthentication, which still has its 120.
        for _ in 0..120 {
            assert!(q.check("AdminRespondToAuthChallenge").is_ok());
        }
        assert!(q.check("RespondToAuthChallenge").is_err());
        assert!(q.check("InitiateAuth").is_err(), "the category is spent");
    }
}
