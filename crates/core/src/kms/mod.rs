//! The KMS key a pool names in `LambdaConfig.KMSKeyID`, as far as its custom sender functions need it: Cognito
//! encrypts each code it hands them as an AWS Encryption SDK message whose data key the function gets back from
//! KMS `Decrypt`; Latchkey plays both parts.
//!
//! A message (`message`) carries its data key encrypted by the `aws-kms` provider under the pool's key ARN. That
//! "KMS ciphertext" is Latchkey's own: the key's ARN in the clear (KMS's ciphertexts name their key too), then
//! the data key sealed by the master key for that ARN and the exact encryption context (the pool id and the
//! message's signing key), as KMS binds a ciphertext to its context. `kms_decrypt` is KMS's `Decrypt` over it,
//! with KMS's refusals: `InvalidCiphertextException` for anything forged, altered or read with another context,
//! `IncorrectKeyException` when the caller names another key, `NotFoundException` when the key is no longer the
//! one the code's pool names (a key exists here while a pool names it).

mod message;

use std::collections::BTreeMap;
use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::Value;

use crate::error::{CognitoError, ErrorKind, Result};
use crate::pools::UserPool;
use crate::secrets::MasterKey;
use crate::service::Latchkey;
use message::{EncryptedDataKey, Sealing, SigningKey, DATA_KEY_LEN, MESSAGE_ID_LEN, PUBLIC_KEY_CONTEXT_KEY};

/// The encryption-context key naming the pool a code belongs to, as in Cognito's messages.
const POOL_CONTEXT_KEY: &str = "userpool-id";
/// The provider id of data keys KMS encrypts.
const KMS_PROVIDER_ID: &str = "aws-kms";
/// The first byte of Latchkey's KMS ciphertexts, so another layout can follow.
const BLOB_VERSION: u8 = 1;

/// KMS `Decrypt`'s input.
#[derive(Debug, Clone, Default)]
pub struct KmsDecryptInput {
    pub ciphertext_blob: Vec<u8>,
    pub encryption_context: BTreeMap<String, String>,
    /// The key the caller expects (its ARN or key id); checked when given.
    pub key_id: Option<String>,
}

/// KMS `Decrypt`'s answer: the key that decrypted, and the plaintext (a data key: never in Debug output).
pub struct KmsDecryptOutput {
    pub key_id: String,
    pub plaintext: Vec<u8>,
}

impl fmt::Debug for KmsDecryptOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KmsDecryptOutput")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// The key a pool's custom senders' codes are encrypted under, if it names one.
pub(crate) fn sender_key(pool: &UserPool) -> Option<&str> {
    pool.lambda_config
        .get("KMSKeyID")
        .and_then(Value::as_str)
        .filter(|k| !k.is_empty())
}

/// What a sealed data key is bound to: the key and the whole encryption context.
fn purpose(key_arn: &str, context: &BTreeMap<String, String>) -> String {
    let context = serde_json::to_string(context).unwrap_or_default();
    format!("kms-data-key\n{key_arn}\n{context}")
}

/// The KMS ciphertext of `data_key` under `key_arn` and `context`.
fn seal_data_key(
    master: &MasterKey,
    rng: &dyn crate::ports::Rng,
    key_arn: &str,
    context: &BTreeMap<String, String>,
    data_key: &[u8],
) -> Option<Vec<u8>> {
    let arn_len = u16::try_from(key_arn.len()).ok()?;
    let mut blob = vec![BLOB_VERSION];
    blob.extend_from_slice(&arn_len.to_be_bytes());
    blob.extend_from_slice(key_arn.as_bytes());
    blob.extend_from_slice(&master.seal_bytes(rng, &purpose(key_arn, context), data_key));
    Some(blob)
}

/// A KMS ciphertext taken apart: the key it names and the sealed data key; `None` when it is not one of ours.
fn parse_blob(blob: &[u8]) -> Option<(&str, &[u8])> {
    let (&version, rest) = blob.split_first()?;
    if version != BLOB_VERSION || rest.len() < 2 {
        return None;
    }
    let (len, rest) = rest.split_at(2);
    let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
    if rest.len() < len {
        return None;
    }
    let (arn, sealed) = rest.split_at(len);
    Some((std::str::from_utf8(arn).ok()?, sealed))
}

/// Whether the `KeyId` a caller sent names `key_arn`: the ARN itself, or the key id it ends with.
fn names_key(key_id: &str, key_arn: &str) -> bool {
    key_id == key_arn || key_arn.rsplit_once(":key/").is_some_and(|(_, id)| id == key_id)
}

fn invalid_ciphertext() -> CognitoError {
    // KMS says nothing more, whatever was wrong: the ciphertext, its context or a forgery.
    CognitoError::new(ErrorKind::InvalidCiphertextException, "")
}

/// KMS `Decrypt` of a ciphertext, given the key the context's pool names now.
fn decrypt_blob(
    master: &MasterKey,
    input: &KmsDecryptInput,
    pool_key: impl FnOnce(&str) -> Option<String>,
) -> Result<KmsDecryptOutput> {
    let (key_arn, sealed) = parse_blob(&input.ciphertext_blob).ok_or_else(invalid_ciphertext)?;
    if let Some(key_id) = &input.key_id {
        if !names_key(key_id, key_arn) {
            return Err(CognitoError::new(
                ErrorKind::IncorrectKeyException,
                "The key ID in the request does not identify a KMS key that can perform this operation.",
            ));
        }
    }
    let plaintext = master
        .open_bytes(&purpose(key_arn, &input.encryption_context), sealed)
        .ok_or_else(invalid_ciphertext)?;
    // The context is the one the data key was sealed with, so the pool it names is the pool the code was for: its
    // key is the one that exists, while the pool still names it.
    let pool_id = input
        .encryption_context
        .get(POOL_CONTEXT_KEY)
        .ok_or_else(invalid_ciphertext)?;
    if pool_key(pool_id).as_deref() != Some(key_arn) {
        return Err(CognitoError::new(
            ErrorKind::NotFoundException,
            format!("Key '{key_arn}' does not exist"),
        ));
    }
    Ok(KmsDecryptOutput {
        key_id: key_arn.to_string(),
        plaintext,
    })
}

impl Latchkey {
    /// `secret` as Cognito hands it to a custom sender function: an Encryption SDK message, base64, whose data key
    /// KMS `Decrypt` (`kms_decrypt`) gives back for `key_arn` and the message's context.
    pub(crate) fn encrypt_for_sender(&self, pool: &UserPool, key_arn: &str, secret: &str) -> Result<String> {
        let failed = || CognitoError::internal("cannot encrypt a code for a custom sender");
        let signer = SigningKey::generate().ok_or_else(failed)?;
        let context = BTreeMap::from([
            (POOL_CONTEXT_KEY.to_string(), pool.id.clone()),
            (PUBLIC_KEY_CONTEXT_KEY.to_string(), signer.public.clone()),
        ]);
        let mut data_key = [0u8; DATA_KEY_LEN];
        self.rng.fill(&mut data_key);
        let mut message_id = [0u8; MESSAGE_ID_LEN];
        self.rng.fill(&mut message_id);
        let master = &self.secrets.master_key;
        let ciphertext =
            seal_data_key(master, self.rng.as_ref(), key_arn, &context, &data_key).ok_or_else(failed)?;
        let data_key_encrypted = EncryptedDataKey {
            provider_id: KMS_PROVIDER_ID.into(),
            provider_info: key_arn.into(),
            ciphertext,
        };
        let sealing = Sealing {
            message_id,
            data_key: &data_key,
            context: &context,
            data_key_encrypted: &data_key_encrypted,
            signer: &signer,
        };
        let message = message::encrypt(&sealing, secret.as_bytes()).ok_or_else(failed)?;
        Ok(STANDARD.encode(message))
    }

    /// KMS `Decrypt` of a data key a custom sender's message carries.
    pub async fn kms_decrypt(&self, input: &KmsDecryptInput) -> Result<KmsDecryptOutput> {
        let pool = match input.encryption_context.get(POOL_CONTEXT_KEY) {
            Some(pool_id) => self.cached_pool(pool_id).await?,
            None => None,
        };
        let pool_key = |_: &str| pool.as_deref().and_then(sender_key).map(str::to_string);
        decrypt_blob(&self.secrets.master_key, input, pool_key)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicU8;

    use super::*;
    use crate::ids::tests::CountingRng;

    const ARN: &str = "arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";

    fn context() -> BTreeMap<String, String> {
        BTreeMap::from([
            ("userpool-id".to_string(), "us-east-1_Pool".to_string()),
            ("aws-crypto-public-key".to_string(), "Ak3y".to_string()),
        ])
    }

    fn input(blob: Vec<u8>, context: BTreeMap<String, String>, key_id: Option<&str>) -> KmsDecryptInput {
        KmsDecryptInput {
            ciphertext_blob: blob,
            encryption_context: context,
            key_id: key_id.map(str::to_string),
        }
    }

    fn refusal(master: &MasterKey, input: &KmsDecryptInput) -> (ErrorKind, String) {
        let e = decrypt_blob(master, input, |_| Some(ARN.to_string())).unwrap_err();
        (e.kind(), e.message().to_string())
    }

    #[test]
    fn a_data_key_opens_for_its_key_and_context_only() {
        let rng = CountingRng(AtomicU8::new(1));
        let master = MasterKey::from_bytes([5; 32]);
        let blob = seal_data_key(&master, &rng, ARN, &context(), &[42; 32]).unwrap();
        let key_id = ARN.rsplit_once("key/").unwrap().1;
        for named in [None, Some(ARN), Some(key_id)] {
            let out = decrypt_blob(&master, &input(blob.clone(), context(), named), |pool| {
                assert_eq!(pool, "us-east-1_Pool");
                Some(ARN.to_string())
            })
            .unwrap();
            assert_eq!((out.key_id.as_str(), out.plaintext), (ARN, vec![42; 32]));
        }
        assert!(!format!(
            "{:?}",
            decrypt_blob(&master, &input(blob.clone(), context(), None), |_| Some(
                ARN.into()
            ))
            .unwrap()
        )
        .contains("42"));

        let invalid = (ErrorKind::InvalidCiphertextException, String::new());
        let mut other_context = context();
        other_context.insert("aws-crypto-public-key".into(), "An0ther".into());
        assert_eq!(
            refusal(&master, &input(blob.clone(), other_context, None)),
            invalid
        );
        assert_eq!(
            refusal(&master, &input(blob.clone(), BTreeMap::new(), None)),
            invalid
        );
        let mut altered = blob.clone();
        *altered.last_mut().unwrap() ^= 1;
        assert_eq!(refusal(&master, &input(altered, context(), None)), invalid);
        assert_eq!(
            refusal(&master, &input(b"forged".to_vec(), context(), None)),
            invalid
        );
        assert_eq!(refusal(&master, &input(vec![], context(), None)), invalid);
        assert_eq!(
            refusal(
                &MasterKey::from_bytes([6; 32]),
                &input(blob.clone(), context(), None)
            ),
            invalid
        );

        let other_key = "arn:aws:kms:us-east-1:123456789012:key/ffffffff-0000-0000-0000-000000000000";
        assert_eq!(
            refusal(&master, &input(blob.clone(), context(), Some(other_key))).0,
            ErrorKind::IncorrectKeyException
        );
        // A pool that names another key now, or no pool at all: the key is not found.
        for now in [Some(other_key.to_string()), None] {
            let e = decrypt_blob(&master, &input(blob.clone(), context(), None), |_| now).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::NotFoundException);
            assert_eq!(e.message(), format!("Key '{ARN}' does not exist"));
        }
    }

    #[test]
    fn ciphertexts_name_their_key() {
        let rng = CountingRng(AtomicU8::new(9));
        let master = MasterKey::from_bytes([5; 32]);
        let blob = seal_data_key(&master, &rng, ARN, &context(), &[1; 32]).unwrap();
        let (arn, sealed) = parse_blob(&blob).unwrap();
        assert_eq!(arn, ARN);
        assert_eq!(sealed.len(), 12 + 32 + 16);
        assert!(parse_blob(&blob[..10]).is_none());
        assert!(names_key(ARN, ARN) && !names_key("alias/other", ARN));
    }
}
