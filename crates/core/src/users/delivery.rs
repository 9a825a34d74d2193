//! Sending codes and invitations to a user: where each kind of code goes (the address sign-up verifies, the
//! recovery address, the attribute being verified), the code issued and composed from the pool's templates or
//! the wording its CustomMessage function gave, and its delivery.
//!
//! Delivery runs in the background: a mail server that is down must not fail or slow the operation that sent
//! the code (the user exists and can ask for the code again); the failure is logged here and counted by the
//! mailer the binary wires in.

use serde_json::Value;

use super::User;
use crate::error::{CognitoError, Result};
use crate::mail::{compose, delivery_details, mask_destination, Channel, OutgoingMessage, Template, Wording};
use crate::pools::UserPool;
use crate::service::Latchkey;
use crate::triggers::{configured, MessageSource, Occasion, Trigger};

/// Whether the pool names a sender function for `channel`'s messages (CustomEmailSender, CustomSMSSender).
pub(crate) fn has_sender(pool: &UserPool, channel: Channel) -> bool {
    let trigger = match channel {
        Channel::Email => Trigger::CustomEmailSender,
        Channel::Sms => Trigger::CustomSmsSender,
    };
    configured(pool, trigger)
}

/// Where a code goes: the medium, the attribute named in CodeDeliveryDetails, and the address itself.
pub(crate) struct Destination {
    pub(crate) channel: Channel,
    pub(crate) attribute: &'static str,
    pub(crate) to: String,
}

impl Destination {
    /// The user's `attribute` (`email` or `phone_number`), if they have it.
    fn attribute_of(user: &User, attribute: &'static str, channel: Channel) -> Option<Self> {
        user.attributes.get(attribute).map(|to| Self {
            channel,
            attribute,
            to: to.clone(),
        })
    }
}

/// The medium that verifies `attribute`; `None` for attributes that cannot be verified.
pub(crate) fn channel_of(attribute: &str) -> Option<(Channel, &'static str)> {
    match attribute {
        "email" => Some((Channel::Email, "email")),
        "phone_number" => Some((Channel::Sms, "phone_number")),
        _ => None,
    }
}

/// Where a new user's code goes: the first auto-verified attribute they have, email before phone.
pub(crate) fn verification_target(pool: &UserPool, user: &User) -> Option<Destination> {
    [("email", Channel::Email), ("phone_number", Channel::Sms)]
        .into_iter()
        .filter(|(attr, _)| pool.auto_verified_attributes.iter().any(|a| a == attr))
        .find_map(|(attr, channel)| Destination::attribute_of(user, attr, channel))
}

/// Where a reset code goes: the pool's AccountRecoverySetting order, else a verified email, else a verified phone.
pub(crate) fn recovery_target(pool: &UserPool, user: &User) -> Option<Destination> {
    let mut order: Vec<&str> = pool
        .account_recovery_setting
        .as_ref()
        .and_then(|s| s.get("RecoveryMechanisms"))
        .and_then(Value::as_array)
        .map(|mechs| {
            let mut m: Vec<(i64, &str)> = mechs
                .iter()
                .filter_map(|x| Some((x.get("Priority")?.as_i64()?, x.get("Name")?.as_str()?)))
                .collect();
            m.sort();
            m.into_iter().map(|(_, n)| n).collect()
        })
        .unwrap_or_default();
    if order.is_empty() {
        order = vec!["verified_email", "verified_phone_number"];
    }
    order.into_iter().find_map(|mechanism| {
        let (channel, attr) = channel_of(mechanism.strip_prefix("verified_")?)?;
        if user.is_verified(attr) {
            Destination::attribute_of(user, attr, channel)
        } else {
            None
        }
    })
}

/// Where the code that verifies the user's `attribute` goes (GetUserAttributeVerificationCode, attribute updates).
pub(crate) fn attribute_target(user: &User, attribute: &str) -> Result<Destination> {
    let (channel, attribute) = channel_of(attribute).ok_or_else(|| {
        CognitoError::invalid_parameter(format!("Attribute {attribute} cannot be verified."))
    })?;
    Destination::attribute_of(user, attribute, channel)
        .ok_or_else(|| CognitoError::invalid_parameter(format!("User does not have attribute {attribute}.")))
}

impl Latchkey {
    /// Hands a message to the mailer in the background.
    pub(crate) fn deliver(&self, message: OutgoingMessage) {
        let mailer = self.mailer.clone();
        tokio::spawn(async move {
            if let Err(e) = mailer.send(&message).await {
                tracing::error!(pool_id = %message.pool_id, to = %mask_destination(message.channel, &message.to).escape_debug(), error = %e.escape_debug(), "message delivery failed");
            }
        });
    }

    /// Issues a new code for `user` and `purpose` (replacing any earlier one), sends it to `destination` in the
    /// pool's verification message as the pool's CustomMessage function words it for `occasion` (or hands it to
    /// the pool's sender function for the medium), and returns the CodeDeliveryDetails Cognito answers with. A
    /// CustomMessage function that fails leaves the earlier code as it was.
    pub(crate) async fn send_code(
        &self,
        pool: &UserPool,
        user: &User,
        purpose: &str,
        destination: &Destination,
        occasion: Occasion<'_>,
    ) -> Result<Value> {
        let wording = self
            .wording_for(pool, occasion, user, destination.channel)
            .await?;
        self.send_worded_code(pool, user, purpose, destination, &wording, occasion)
            .await
    }

    /// How the message for `occasion` by `channel` is worded: as the pool's CustomMessage function says, unless a
    /// sender function takes that medium's messages (it words them itself, and CustomMessage is not asked).
    pub(crate) async fn wording_for(
        &self,
        pool: &UserPool,
        occasion: Occasion<'_>,
        user: &User,
        channel: Channel,
    ) -> Result<Wording> {
        if has_sender(pool, channel) {
            return Ok(Wording::default());
        }
        self.custom_message(pool, occasion, user).await
    }

    /// `send_code` with the message worded already: for operations that ask the CustomMessage function before
    /// they store anything, so that its failure leaves nothing changed.
    pub(crate) async fn send_worded_code(
        &self,
        pool: &UserPool,
        user: &User,
        purpose: &str,
        destination: &Destination,
        wording: &Wording,
        occasion: Occasion<'_>,
    ) -> Result<Value> {
        let code = self.issue_code(&pool.id, &user.username, purpose).await?;
        let Destination {
            channel,
            attribute,
            to,
        } = destination;
        if self.custom_send(pool, occasion, user, *channel, &code) {
            return Ok(delivery_details(*channel, attribute, to));
        }
        self.deliver(compose(
            pool,
            Template::Verification,
            wording,
            *channel,
            to,
            &code,
            &user.username,
        ));
        Ok(delivery_details(*channel, attribute, to))
    }

    /// Sends an administrator's invitation (the temporary password, and the name the user was created with) by
    /// each of `channels`, in the `wording` the pool's CustomMessage function gave it, or hands it to the pool's
    /// sender function for the channel.
    pub(crate) fn send_invitations(
        &self,
        pool: &UserPool,
        user: &User,
        channels: Vec<(Channel, String)>,
        wording: &Wording,
        password: &str,
        username: &str,
    ) {
        let occasion = Occasion::new(MessageSource::AdminCreateUser, None);
        for (channel, to) in channels {
            if self.custom_send(pool, occasion, user, channel, password) {
                continue;
            }
            self.deliver(compose(
                pool,
                Template::Invitation,
                wording,
                channel,
                &to,
                password,
                username,
            ));
        }
    }
}
