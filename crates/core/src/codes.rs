//! One-time codes: six random digits, stored only as keyed hashes, single use, with Cognito's lifetimes and a cap
//! on wrong attempts.

use crate::error::{CognitoError, ErrorKind, Result};
use crate::ports::Rng;
use crate::secrets::MasterKey;
use crate::store::CodeRecord;
use crate::time::Timestamp;

pub const PURPOSE_SIGN_UP: &str = "SIGN_UP";
pub const PURPOSE_FORGOT_PASSWORD: &str = "FORGOT_PASSWORD";
/// Sign-in codes of the SMS_MFA and EMAIL_OTP challenges.
pub const PURPOSE_MFA_SMS: &str = "MFA:SMS_MFA";
pub const PURPOSE_MFA_EMAIL: &str = "MFA:EMAIL_OTP";

pub fn purpose_verify(attribute: &str) -> String {
    format!("VERIFY:{attribute}")
}

/// Sign-up and attribute-verification codes last 24 hours, password-reset codes one hour. A sign-in (MFA) code
/// lives as long as its challenge's Session may (AuthSessionValidity, at most 15 minutes), which is what bounds it.
pub fn lifetime_seconds(purpose: &str) -> i64 {
    match purpose {
        PURPOSE_FORGOT_PASSWORD => 3600,
        PURPOSE_MFA_SMS | PURPOSE_MFA_EMAIL => 15 * 60,
        _ => 24 * 3600,
    }
}

/// Wrong guesses a code survives; the next one invalidates it.
pub const MAX_WRONG_ATTEMPTS: u32 = 5;

const HASH_PURPOSE: &str = "one-time-code";

/// Six uniformly random digits.
pub fn generate(rng: &dyn Rng) -> String {
    crate::ids::random_string(rng, b"0123456789", 6)
}

/// What a code is bound to, so a code for one user or purpose never matches another.
fn binding(pool_id: &str, username: &str, purpose: &str, code: &str) -> String {
    format!("{pool_id}\n{username}\n{purpose}\n{code}")
}

pub fn record(
    key: &MasterKey,
    pool_id: &str,
    username: &str,
    purpose: &str,
    code: &str,
    now: Timestamp,
) -> CodeRecord {
    CodeRecord {
        pool_id: pool_id.into(),
        username: username.into(),
        purpose: purpose.into(),
        code_hash: key.keyed_hash(HASH_PURPOSE, &binding(pool_id, username, purpose, code)),
        created: now,
        expires: now.plus_seconds(lifetime_seconds(purpose)),
        attempts: 0,
    }
}

/// The verdict on a submitted code, before it is consumed.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Valid,
    Mismatch,
    Expired,
}

/// Judges a submitted code by its hash and expiry; how many attempts were made is `consume_code`'s business.
pub fn evaluate(key: &MasterKey, stored: Option<&CodeRecord>, submitted: &str, now: Timestamp) -> Verdict {
    let Some(c) = stored else { return Verdict::Expired };
    if now >= c.expires {
        return Verdict::Expired;
    }
    if key.verify_keyed_hash(
        HASH_PURPOSE,
        &binding(&c.pool_id, &c.username, &c.purpose, submitted.trim()),
        &c.code_hash,
    ) {
        Verdict::Valid
    } else {
        Verdict::Mismatch
    }
}

pub fn mismatch() -> CognitoError {
    CognitoError::new(
        ErrorKind::CodeMismatchException,
        "Invalid verification code provided, please try again.",
    )
}

pub fn expired() -> CognitoError {
    CognitoError::new(
        ErrorKind::ExpiredCodeException,
        "Invalid code provided, please request a code again.",
    )
}

pub fn attempts_exceeded() -> CognitoError {
    CognitoError::new(
        ErrorKind::LimitExceededException,
        "Attempt limit exceeded, please try after some time.",
    )
}

impl crate::service::Latchkey {
    /// Creates, stores and returns a fresh code for (user, purpose), replacing any earlier one.
    pub(crate) async fn issue_code(&self, pool_id: &str, username: &str, purpose: &str) -> Result<String> {
        let code = generate(self.rng.as_ref());
        let rec = record(
            &self.secrets.master_key,
            pool_id,
            username,
            purpose,
            &code,
            self.clock.now(),
        );
        self.store.put_code(&rec).await?;
        Ok(code)
    }

    /// Checks and consumes a code: Ok only once per code. Every attempt is counted first, atomically, so
    /// concurrent guesses cannot share a count: the first five attempts are judged, a fifth wrong one invalidates
    /// the code (LimitExceededException), and anything later finds it expired.
    pub(crate) async fn consume_code(
        &self,
        pool_id: &str,
        username: &str,
        purpose: &str,
        submitted: &str,
    ) -> Result<()> {
        let attempt = self.store.add_code_attempt(pool_id, username, purpose).await?;
        if attempt == 0 || attempt > MAX_WRONG_ATTEMPTS {
            return Err(expired());
        }
        let stored = self.store.get_code(pool_id, username, purpose).await?;
        match evaluate(
            &self.secrets.master_key,
            stored.as_ref(),
            submitted,
            self.clock.now(),
        ) {
            Verdict::Valid => {
                if self.store.take_code(pool_id, username, purpose).await? {
                    Ok(())
                } else {
                    Err(expired())
                }
            }
            Verdict::Expired => Err(expired()),
            Verdict::Mismatch if attempt == MAX_WRONG_ATTEMPTS => {
                self.store.take_code(pool_id, username, purpose).await?;
                Err(attempts_exceeded())
            }
            Verdict::Mismatch => Err(mismatch()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::tests::CountingRng;
    use std::sync::atomic::AtomicU8;

    #[test]
    fn codes_are_six_digits_and_hashed() {
        let rng = CountingRng(AtomicU8::new(9));
        let code = generate(&rng);
        assert_eq!(code.len(), 6);
        assert!(code.chars().all(|c| c.is_ascii_digit()));
        let k = MasterKey::from_bytes([2; 32]);
        let rec = record(&k, "p", "u", PURPOSE_SIGN_UP, &code, Timestamp(0));
        assert!(!rec.code_hash.contains(&code));
        assert_eq!(rec.expires, Timestamp(24 * 3600 * 1000));
    }

    #[test]
    fn expiry_binding_and_attempts_with_a_fixed_clock() {
        let k = MasterKey::from_bytes([2; 32]);
        let start = Timestamp(1_000_000);
        let rec = record(&k, "p", "u", PURPOSE_FORGOT_PASSWORD, "123456", start);
        assert_eq!(
            evaluate(&k, Some(&rec), "123456", start.plus_seconds(3599)),
            Verdict::Valid
        );
        assert_eq!(evaluate(&k, Some(&rec), " 123456 ", start), Verdict::Valid);
        assert_eq!(
            evaluate(&k, Some(&rec), "123456", start.plus_seconds(3600)),
            Verdict::Expired
        );
        assert_eq!(evaluate(&k, Some(&rec), "654321", start), Verdict::Mismatch);
        assert_eq!(evaluate(&k, None, "123456", start), Verdict::Expired);
        let other_user = CodeRecord {
            username: "v".into(),
            ..rec.clone()
        };
        assert_eq!(
            evaluate(&k, Some(&other_user), "123456", start),
            Verdict::Mismatch
        );
    }
}
