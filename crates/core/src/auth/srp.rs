//! USER_SRP_AUTH: InitiateAuth answers PASSWORD_VERIFIER with SALT, SRP_B and a SECRET_BLOCK that seals the
//! server's state (b, A, B, who, until when), so the second round trip needs no Session and may land on any node;
//! RespondToAuthChallenge checks the client's proof of the password. Unknown users, when the client hides user
//! existence, get a simulated challenge (stable salt and USER_ID_FOR_SRP per name) and then the generic error.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map};

use super::challenge::ChallengeAnswer;
use super::client::names_of;
use super::outcome::{incorrect, required, session_expired, AuthOutcome};
use crate::clients::AppClient;
use crate::error::{CognitoError, Result};
use crate::pools::UserPool;
use crate::service::Latchkey;
use crate::srp::math;
use crate::srp::wire::{check_timestamp, open_block, pool_name, random_exponent, seal_block, ServerValues};
use crate::time::Timestamp;
use crate::users::names::fold;
use crate::users::User;
use crypto_bigint::U3072;

const PURPOSE: &str = "srp-secret-block";

#[derive(Serialize, Deserialize)]
struct SrpState {
    pool_id: String,
    client_id: String,
    /// The internal username, or for a simulated challenge the name that was typed.
    username: String,
    user_id_for_srp: String,
    #[serde(flatten)]
    exchange: ServerValues,
    expires: Timestamp,
    simulated: bool,
    /// DEVICE_KEY sent with InitiateAuth, if any.
    #[serde(default)]
    device_key: Option<String>,
    /// A step of a CUSTOM_AUTH sign-in: a proven password goes on to DefineAuthChallenge, not to tokens.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    custom: bool,
}

/// Who a USER_SRP_AUTH (or CUSTOM_AUTH with SRP_A) sign-in is about, found before PreAuthentication: the user, or
/// a simulated one when the client hides that none exists.
pub(crate) struct SrpSubject {
    pub(crate) user: Option<User>,
    /// The internal username, or for a simulated challenge the name that was typed.
    username: String,
    user_id: String,
    salt_hex: String,
    verifier: Option<U3072>,
    simulated: bool,
}

/// SRP_A as a public value the exchange may use.
pub(crate) fn parse_srp_a(srp_a: &str) -> Result<U3072> {
    math::from_hex(srp_a)
        .filter(math::valid_public)
        .ok_or_else(|| CognitoError::invalid_parameter("SRP_A is not a valid SRP public value."))
}

/// The first step of an SRP sign-in: who, the client's public value, SECRET_HASH and DEVICE_KEY, and whether
/// PreAuthentication fires here (USER_SRP_AUTH) or fired already (USER_AUTH fires it at its start).
pub(crate) struct SrpStart<'a> {
    pub(crate) name: &'a str,
    pub(crate) srp_a: &'a str,
    pub(crate) secret_hash: Option<&'a str>,
    pub(crate) device_key: Option<&'a str>,
    pub(crate) pre_authentication: bool,
}

impl Latchkey {
    pub(crate) async fn srp_initiate(
        &self,
        pool: &UserPool,
        client: &AppClient,
        start: SrpStart<'_>,
    ) -> Result<AuthOutcome> {
        let SrpStart {
            name,
            srp_a,
            secret_hash,
            device_key,
            pre_authentication,
        } = start;
        let a_pub = parse_srp_a(srp_a)?;
        let subject = self.srp_subject(pool, client, name, secret_hash).await?;
        if pre_authentication {
            self.pre_authentication(pool, &client.client_id, subject.user.as_ref(), name)
                .await?;
        }
        let parameters = self.srp_challenge(pool, client, subject, &a_pub, device_key, false)?;
        Ok(AuthOutcome::Challenge {
            name: "PASSWORD_VERIFIER".into(),
            session: None,
            parameters,
        })
    }

    /// The user `name` stands for, with the client's SECRET_HASH checked, and what their SRP exchange uses.
    pub(crate) async fn srp_subject(
        &self,
        pool: &UserPool,
        client: &AppClient,
        name: &str,
        secret_hash: Option<&str>,
    ) -> Result<SrpSubject> {
        let user = self.user_for_sign_in(pool, client, name).await?;
        let subject = match &user {
            Some(u) => {
                self.check_secret_hash(client, &names_of(name, u), secret_hash)?;
                match (&u.srp_salt, &u.srp_verifier) {
                    (Some(s), Some(v)) => SrpSubject {
                        user: None,
                        username: u.username.clone(),
                        user_id: u.username.clone(),
                        salt_hex: s.clone(),
                        verifier: math::from_hex(v),
                        simulated: false,
                    },
                    // A user without a verifier cannot pass: answer like for a wrong password, later.
                    _ => SrpSubject {
                        user: None,
                        username: u.username.clone(),
                        user_id: u.username.clone(),
                        salt_hex: self.fake_salt(pool, name),
                        verifier: None,
                        simulated: true,
                    },
                }
            }
            None => {
                self.check_secret_hash(client, &[name], secret_hash)?;
                SrpSubject {
                    user: None,
                    username: name.to_string(),
                    user_id: self.simulated_user_id_for_srp(pool, name),
                    salt_hex: self.fake_salt(pool, name),
                    verifier: None,
                    simulated: true,
                }
            }
        };
        Ok(SrpSubject { user, ..subject })
    }

    /// PASSWORD_VERIFIER's parameters for `subject`: SALT, SRP_B, and the SECRET_BLOCK sealing the exchange.
    /// `custom` when the challenge is a step of a CUSTOM_AUTH sign-in, whose Session must come with the answer.
    pub(crate) fn srp_challenge(
        &self,
        pool: &UserPool,
        client: &AppClient,
        subject: SrpSubject,
        a_pub: &U3072,
        device_key: Option<&str>,
        custom: bool,
    ) -> Result<Map<String, serde_json::Value>> {
        // For a simulated challenge B is built from a verifier nobody knows, at the same cost as a real one.
        let v = subject
            .verifier
            .unwrap_or_else(|| math::verifier(&random_exponent(self.rng.as_ref())));
        let b = random_exponent(self.rng.as_ref());
        let b_pub = math::server_public(&v, &b);
        let state = SrpState {
            pool_id: pool.id.clone(),
            client_id: client.client_id.clone(),
            username: subject.username,
            user_id_for_srp: subject.user_id.clone(),
            exchange: ServerValues::new(&b, a_pub, &b_pub),
            expires: client.session_expiry(self.clock.now()),
            simulated: subject.simulated,
            device_key: device_key.map(str::to_string),
            custom,
        };
        let sealed = seal_block(&self.secrets.master_key, self.rng.as_ref(), PURPOSE, &state)?;
        let mut parameters = Map::new();
        parameters.insert("SALT".into(), json!(subject.salt_hex));
        parameters.insert("SRP_B".into(), json!(math::to_hex(&b_pub)));
        parameters.insert("SECRET_BLOCK".into(), json!(sealed));
        parameters.insert("USER_ID_FOR_SRP".into(), json!(subject.user_id));
        parameters.insert("USERNAME".into(), json!(subject.user_id));
        Ok(parameters)
    }

    /// A stable salt for a name that has no user, so repeated attempts cannot tell it apart from a real one.
    fn fake_salt(&self, pool: &UserPool, name: &str) -> String {
        let h = self.secrets.master_key.keyed_hash(
            "srp-simulated-salt",
            &format!("{}\n{}", pool.id, fold(pool, name)),
        );
        let bytes = hex::decode(&h[..32]).unwrap_or_default();
        math::to_hex(&math::u3072_from_be(&bytes))
    }

    pub(crate) async fn srp_verify(&self, answer: ChallengeAnswer<'_>) -> Result<AuthOutcome> {
        let (pool, client, responses) = (answer.pool, answer.client, answer.responses);
        let block_text = required(responses, "PASSWORD_CLAIM_SECRET_BLOCK")?;
        let signature = required(responses, "PASSWORD_CLAIM_SIGNATURE")?;
        let timestamp = required(responses, "TIMESTAMP")?;
        let typed = required(responses, "USERNAME")?;
        let (block, state): (_, SrpState) =
            open_block(&self.secrets.master_key, PURPOSE, block_text).ok_or_else(session_expired)?;
        let now = self.clock.now();
        if state.client_id != client.client_id || state.pool_id != pool.id || state.expires <= now {
            return Err(session_expired());
        }
        check_timestamp(timestamp, now)?;
        // A step of a custom sign-in comes with its Session, checked before the attempt is spent.
        let custom = match state.custom {
            true => Some(self.custom_password_session(answer, &state.username).await?),
            false => None,
        };
        // A missing user (simulated challenge) goes through the same checks in the same order as a real one: the
        // name, SECRET_HASH, DEVICE_KEY, then the one attempt the block allows.
        let device_key = responses
            .get("DEVICE_KEY")
            .map(String::as_str)
            .or(state.device_key.as_deref());
        let secret_hash = responses.get("SECRET_HASH").map(String::as_str);
        // Each SECRET_BLOCK proves one attempt: a replayed response is refused. It is spent once the attempt has
        // its place (so a client told to retry later still holds a usable block), before the proof is judged.
        let (block, state) = (&block, &state);
        let spend_block = || async {
            let use_key = format!("srp-block:{}", crate::secrets::sha256_hex(block));
            if self.store.increment_counter(&use_key, now, state.expires).await? > 1 {
                return Err(session_expired());
            }
            Ok(())
        };
        if state.simulated {
            let names_match =
                typed == state.user_id_for_srp || fold(pool, typed) == fold(pool, &state.username);
            if !names_match {
                return Err(incorrect());
            }
            self.check_secret_hash(client, &[typed, state.username.as_str()], secret_hash)?;
            if let Some(key) = device_key {
                // A phantom has no devices; the lookup is made all the same.
                let _ = self.store.get_device(&pool.id, key).await?;
                return Err(crate::devices::device_not_found());
            }
            // The same lockout, and the same work as a real proof, before failing.
            let work = async {
                spend_block().await?;
                let _ = math::verifier(&random_exponent(self.rng.as_ref()));
                Ok(())
            };
            return Err(self.judge_phantom_attempt(pool, &state.username, work).await);
        }
        let user = self
            .store
            .get_user(&pool.id, &state.username)
            .await?
            .ok_or_else(incorrect)?;
        let typed_is_user = typed == state.user_id_for_srp
            || self
                .find_by_sign_in_name(pool, typed)
                .await?
                .is_some_and(|u| u.username == user.username);
        if !typed_is_user {
            return Err(incorrect());
        }
        self.check_secret_hash(client, &names_of(typed, &user), secret_hash)?;
        // An unknown DEVICE_KEY is refused before the block is spent: clients retry the same response without it.
        if let Some(key) = device_key {
            self.user_device(pool, &user, key).await?;
        }
        let user = self
            .judge_attempt(pool, user, |user| {
                let verifier = user.srp_verifier.clone();
                async move {
                    spend_block().await?;
                    let user_id = &state.user_id_for_srp;
                    state
                        .exchange
                        .check_claim(
                            verifier.as_deref(),
                            pool_name(&pool.id),
                            user_id,
                            block,
                            timestamp,
                            signature,
                        )
                        .ok_or_else(session_expired)
                }
            })
            .await?;
        if let Some(custom) = custom {
            return self.custom_after_password(answer, user, custom).await;
        }
        self.after_first_factor(
            pool,
            client,
            user,
            device_key,
            crate::triggers::TokenSource::Authentication,
        )
        .await
    }
}
