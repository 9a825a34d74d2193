//! Why a message with a code or a temporary password goes out (the operation, as the message triggers'
//! `triggerSource` names it) and through which app client: what CustomMessage and the custom senders are told.

/// Why a message with a code goes out: the `triggerSource` suffix of the message triggers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MessageSource {
    /// SignUp's confirmation code.
    SignUp,
    /// An administrator's invitation, with the temporary password.
    AdminCreateUser,
    /// ResendConfirmationCode.
    ResendCode,
    /// ForgotPassword (and AdminResetUserPassword).
    ForgotPassword,
    /// A changed email or phone number, verified automatically.
    UpdateUserAttribute,
    /// GetUserAttributeVerificationCode.
    VerifyUserAttribute,
    /// A sign-in code (SMS_MFA, EMAIL_OTP).
    Authentication,
}

impl MessageSource {
    pub(crate) fn name(self) -> &'static str {
        match self {
            MessageSource::SignUp => "SignUp",
            MessageSource::AdminCreateUser => "AdminCreateUser",
            MessageSource::ResendCode => "ResendCode",
            MessageSource::ForgotPassword => "ForgotPassword",
            MessageSource::UpdateUserAttribute => "UpdateUserAttribute",
            MessageSource::VerifyUserAttribute => "VerifyUserAttribute",
            MessageSource::Authentication => "Authentication",
        }
    }

    /// CustomMessage's `triggerSource` for this message.
    pub(crate) fn custom_message(self) -> &'static str {
        match self {
            MessageSource::SignUp => "CustomMessage_SignUp",
            MessageSource::AdminCreateUser => "CustomMessage_AdminCreateUser",
            MessageSource::ResendCode => "CustomMessage_ResendCode",
            MessageSource::ForgotPassword => "CustomMessage_ForgotPassword",
            MessageSource::UpdateUserAttribute => "CustomMessage_UpdateUserAttribute",
            MessageSource::VerifyUserAttribute => "CustomMessage_VerifyUserAttribute",
            MessageSource::Authentication => "CustomMessage_Authentication",
        }
    }
}

/// Why a message goes out, and through which app client (`None` for administrators' operations).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Occasion<'a> {
    pub(crate) source: MessageSource,
    pub(crate) client_id: Option<&'a str>,
}

impl<'a> Occasion<'a> {
    pub(crate) fn new(source: MessageSource, client_id: Option<&'a str>) -> Self {
        Self { source, client_id }
    }
}
