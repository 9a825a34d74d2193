//! Remembered devices: the device record, NewDeviceMetadata at sign-in, ConfirmDevice with the device's SRP
//! verifier, DEVICE_SRP_AUTH → DEVICE_PASSWORD_VERIFIER, and the device operations and their Admin twins.

mod model;
mod operations;
mod srp;

pub use model::*;
pub use operations::device_not_found;
