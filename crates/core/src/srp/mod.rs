//! Secure Remote Password exactly as Cognito does it (USER_SRP_AUTH → PASSWORD_VERIFIER, and the same math for
//! DEVICE_SRP_AUTH): the 3072-bit RFC 5054 group with g = 2, Cognito's `padHex` byte encoding, k, x from the pool
//! name and internal username, HKDF "Caldera Derived Key", and the HMAC claim signature.

pub mod math;
mod timestamp;
pub(crate) mod wire;

pub use timestamp::parse_timestamp;
pub use wire::pool_name;
