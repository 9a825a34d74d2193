//! The pool's PasswordPolicy, checked with Cognito's InvalidPasswordException messages.

use crate::error::{CognitoError, ErrorKind, Result};
use crate::ids::random_string;
use crate::pools::PasswordPolicy;
use crate::ports::Rng;

/// The characters Cognito counts as symbols.
const SYMBOLS: &str = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ";

fn invalid(what: &str) -> CognitoError {
    CognitoError::new(
        ErrorKind::InvalidPasswordException,
        format!("Password did not conform with policy: {what}"),
    )
}

pub fn check_policy(policy: &PasswordPolicy, password: &str) -> Result<()> {
    if password.starts_with(' ') || password.ends_with(' ') {
        return Err(CognitoError::invalid_parameter(
            "The password must not begin or end with a space.",
        ));
    }
    if password.chars().count() < policy.minimum_length as usize {
        return Err(invalid("Password not long enough"));
    }
    if policy.require_lowercase && !password.chars().any(|c| c.is_ascii_lowercase()) {
        return Err(invalid("Password must have lowercase characters"));
    }
    if policy.require_uppercase && !password.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(invalid("Password must have uppercase characters"));
    }
    if policy.require_numbers && !password.chars().any(|c| c.is_ascii_digit()) {
        return Err(invalid("Password must have numeric characters"));
    }
    if policy.require_symbols && !password.chars().any(|c| SYMBOLS.contains(c)) {
        return Err(invalid("Password must have symbol characters"));
    }
    Ok(())
}

/// A random temporary password with every character class, at least 12 characters (longer if the policy
/// demands), so it satisfies any policy.
pub fn generate_temporary_password(rng: &dyn Rng, policy: &PasswordPolicy) -> String {
    let len = (policy.minimum_length as usize).max(12);
    loop {
        let mut p = random_string(
            rng,
            b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789",
            len - 2,
        );
        p.push_str(&random_string(rng, b"23456789", 1));
        p.push_str(&random_string(rng, b"!#%&*+-=?@^_", 1));
        if p.chars().any(|c| c.is_ascii_uppercase()) && p.chars().any(|c| c.is_ascii_lowercase()) {
            return p;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::tests::CountingRng;
    use std::sync::atomic::AtomicU8;

    #[test]
    fn cognito_messages_in_cognito_order() {
        let p = PasswordPolicy::default();
        let msg = |pw: &str| check_policy(&p, pw).unwrap_err().message().to_string();
        assert_eq!(
            msg("Ab1!"),
            "Password did not conform with policy: Password not long enough"
        );
        assert_eq!(
            msg("ABCDEFG1!"),
            "Password did not conform with policy: Password must have lowercase characters"
        );
        assert_eq!(
            msg("abcdefg1!"),
            "Password did not conform with policy: Password must have uppercase characters"
        );
        assert_eq!(
            msg("Abcdefgh!"),
            "Password did not conform with policy: Password must have numeric characters"
        );
        assert_eq!(
            msg("Abcdefgh1"),
            "Password did not conform with policy: Password must have symbol characters"
        );
        assert!(check_policy(&p, "Abcdefg1!").is_ok());
        assert_eq!(check_policy(&p, "Abcdefg1!").map_err(|e| e.kind()), Ok(()));
        let e = check_policy(&p, "Ab1!").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidPasswordException);
    }

    #[test]
    fn temporary_passwords_satisfy_the_strictest_policy() {
        let rng = CountingRng(AtomicU8::new(0));
        let strict = PasswordPolicy {
            minimum_length: 20,
            ..PasswordPolicy::default()
        };
        for _ in 0..50 {
            let p = generate_temporary_password(&rng, &strict);
            check_policy(&strict, &p).unwrap();
        }
    }
}
