//! Passwords: the pool's policy with Cognito's messages, Argon2id hashing on a bounded worker pool, and
//! temporary passwords that satisfy the policy. What a password becomes in a user's record is
//! `users::credentials`.

mod hasher;
mod policy;

pub use hasher::{HashingParams, PasswordHasher};
pub use policy::{check_policy, generate_temporary_password};
