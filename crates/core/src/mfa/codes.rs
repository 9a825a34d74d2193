//! Sign-in codes that travel (EMAIL_OTP, SMS_MFA): issued, worded by the pool's CustomMessage function and sent,
//! or handed to the pool's sender function for the medium.

use super::model::MfaFactor;
use crate::clients::AppClient;
use crate::error::Result;
use crate::mail::{compose, Channel, Template};
use crate::pools::UserPool;
use crate::service::Latchkey;
use crate::triggers::{MessageSource, Occasion};
use crate::users::User;

pub(super) fn channel(factor: MfaFactor) -> Channel {
    if factor == MfaFactor::Sms {
        Channel::Sms
    } else {
        Channel::Email
    }
}

impl Latchkey {
    /// Issues a sign-in code for `factor` and sends it to `to` in the pool's MFA message, as the pool's
    /// CustomMessage function words it (or hands it to the pool's sender function for the medium); a CustomMessage
    /// function that fails ends the sign-in with its error, no code issued.
    pub(super) async fn send_mfa_code(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        factor: MfaFactor,
        to: &str,
    ) -> Result<()> {
        let occasion = Occasion::new(MessageSource::Authentication, Some(&client.client_id));
        let wording = self.wording_for(pool, occasion, user, channel(factor)).await?;
        let code = self
            .issue_code(&pool.id, &user.username, factor.code_purpose())
            .await?;
        if self.custom_send(pool, occasion, user, channel(factor), &code) {
            return Ok(());
        }
        self.deliver(compose(
            pool,
            Template::Mfa,
            &wording,
            channel(factor),
            to,
            &code,
            &user.username,
        ));
        Ok(())
    }
}
