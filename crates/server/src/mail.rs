//! Mailers behind the core `Mailer` port: SMTP through lettre (plain, STARTTLS or implicit TLS, optional
//! credentials), the development outbox kept in the store when no SMTP server is configured, and a wrapper that
//! counts deliveries and failures for /metrics. SMS has no gateway here, so text messages always go to the outbox.

use std::sync::Arc;

use async_trait::async_trait;
use latchkey_core::ids::new_uuid;
use latchkey_core::mail::{Channel, Mailer, OutgoingMessage};
use latchkey_core::ports::{Clock, Rng};
use latchkey_core::store::{OutboxMessage, Store};
use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::metrics::Metrics;

/// Keeps messages in the store, where `latchkey outbox` shows them.
pub struct OutboxMailer {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub rng: Arc<dyn Rng>,
}

#[async_trait]
impl Mailer for OutboxMailer {
    async fn send(&self, m: &OutgoingMessage) -> Result<(), String> {
        let message = OutboxMessage {
            id: new_uuid(self.rng.as_ref()),
            pool_id: m.pool_id.clone(),
            recipient: m.to.clone(),
            subject: m.subject.clone(),
            body: m.body.clone(),
            created: self.clock.now(),
        };
        self.store
            .insert_outbox(&message)
            .await
            .map_err(|e| e.to_string())
    }
}

pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// Where text messages go, having no SMS gateway.
    sms: OutboxMailer,
}

impl SmtpMailer {
    /// `url`: `smtp://[user:pass@]host[:port][?tls=required|opportunistic]` or `smtps://...` for implicit TLS.
    pub fn new(url: &str, from: &str, sms: OutboxMailer) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("invalid SMTP URL: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(10)))
            .build();
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("invalid from address '{from}': {e}"))?;
        Ok(Self { transport, from, sms })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, m: &OutgoingMessage) -> Result<(), String> {
        if m.channel == Channel::Sms {
            return self.sms.send(m).await;
        }
        let to: Mailbox = m.to.parse().map_err(|e| format!("invalid recipient: {e}"))?;
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&m.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(m.body.clone())
            .map_err(|e| format!("cannot build message: {e}"))?;
        self.transport
            .send(email)
            .await
            .map(|_| ())
            .map_err(|e| format!("SMTP delivery failed: {e}"))
    }
}

/// Counts every delivery by channel and outcome.
pub struct CountingMailer {
    pub inner: Arc<dyn Mailer>,
    pub metrics: Arc<Metrics>,
}

#[async_trait]
impl Mailer for CountingMailer {
    async fn send(&self, m: &OutgoingMessage) -> Result<(), String> {
        let result = self.inner.send(m).await;
        let channel = if m.channel == Channel::Email {
            "email"
        } else {
            "sms"
        };
        self.metrics.delivery(channel, result.is_ok());
        result
    }
}
