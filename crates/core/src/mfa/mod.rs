//! Multi-factor authentication: a user's factors (`UserMfa`), TOTP, the pool's factors, the MFA operations
//! (AssociateSoftwareToken, VerifySoftwareToken, Set/AdminSetUserMFAPreference, Set/AdminSetUserSettings) and the
//! second step of a sign-in (SOFTWARE_TOKEN_MFA, EMAIL_OTP, SMS_MFA, SELECT_MFA_TYPE and MFA_SETUP).

mod challenge;
mod codes;
mod model;
mod preferences;
mod software_token;
pub mod totp;

pub(crate) use challenge::MfaStep;
pub use challenge::{MfaProgress, MFA_CHALLENGES};
pub use model::{user_mfa_members, MfaFactor, SoftwareToken, UserMfa};
pub use preferences::{FactorSetting, MfaPreferenceInput};
pub use software_token::TokenSubject;
