//! The AWS Encryption SDK's message format (version 1), written the way Cognito writes the codes it hands its
//! custom sender functions: algorithm suite 0x0378 (AES-256-GCM, 12-byte IV, 16-byte tag, the data key through
//! HKDF-SHA384, an ECDSA P-384 signature), the encryption context with the signing key's public half under
//! `aws-crypto-public-key`, one data key encrypted by the `aws-kms` provider, framed content in 4096-byte frames
//! (a code fits the final frame), and the signature in the footer.
//!
//! Cognito's own messages (their headers read back in the tests) use exactly this suite, which the AWS example
//! functions' `CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT` decrypts: key commitment is required only for
//! messages a client encrypts. References: the Encryption SDK's message-format, body-AAD and algorithms
//! references, and `@aws-crypto/serialize` (which reads every byte written here).

use std::collections::BTreeMap;

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use aws_lc_rs::encoding::{AsBigEndian, EcPublicKeyCompressedBin};
use aws_lc_rs::hkdf;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P384_SHA384_ASN1_SIGNING};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// `ALG_AES256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384`, the suite of Cognito's messages.
pub(crate) const SUITE_ID: u16 = 0x0378;
/// The encryption-context key under which a signed message carries its verification key.
pub(crate) const PUBLIC_KEY_CONTEXT_KEY: &str = "aws-crypto-public-key";
/// The Encryption SDK's default frame length, which Cognito's messages use.
pub(crate) const FRAME_LENGTH: u32 = 4096;
/// The data key's length for an AES-256 suite.
pub(crate) const DATA_KEY_LEN: usize = 32;
pub(crate) const MESSAGE_ID_LEN: usize = 16;
const VERSION: u8 = 0x01;
const TYPE_CUSTOMER_AUTHENTICATED_ENCRYPTED_DATA: u8 = 0x80;
const CONTENT_TYPE_FRAMED: u8 = 0x02;
const IV_LEN: usize = 12;
const TAG_LEN: usize = 16;
const FINAL_FRAME_MARKER: u32 = 0xFFFF_FFFF;
const FINAL_FRAME_AAD: &str = "AWSKMSEncryptionClient Final Frame";

/// One encrypted data key in the header: who can decrypt it (`aws-kms` and the key's ARN) and its ciphertext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EncryptedDataKey {
    pub(crate) provider_id: String,
    pub(crate) provider_info: String,
    pub(crate) ciphertext: Vec<u8>,
}

/// A message's signing key: the private half signs it, the public half travels in its encryption context.
pub(crate) struct SigningKey {
    pair: EcdsaKeyPair,
    /// The compressed public point, base64, as the context carries it.
    pub(crate) public: String,
}

impl SigningKey {
    /// A fresh key for one message (the Encryption SDK never reuses one).
    pub(crate) fn generate() -> Option<Self> {
        let pair = EcdsaKeyPair::generate(&ECDSA_P384_SHA384_ASN1_SIGNING).ok()?;
        let compressed: EcPublicKeyCompressedBin<'_> = pair.public_key().as_be_bytes().ok()?;
        let public = STANDARD.encode(compressed.as_ref());
        Some(Self { pair, public })
    }
}

/// What one message is made of.
pub(crate) struct Sealing<'a> {
    pub(crate) message_id: [u8; MESSAGE_ID_LEN],
    pub(crate) data_key: &'a [u8; DATA_KEY_LEN],
    /// The whole encryption context, the signing key's public half included.
    pub(crate) context: &'a BTreeMap<String, String>,
    pub(crate) data_key_encrypted: &'a EncryptedDataKey,
    pub(crate) signer: &'a SigningKey,
}

fn put_u16(out: &mut Vec<u8>, n: usize) -> Option<()> {
    out.extend_from_slice(&u16::try_from(n).ok()?.to_be_bytes());
    Some(())
}

fn put_short_bytes(out: &mut Vec<u8>, bytes: &[u8]) -> Option<()> {
    put_u16(out, bytes.len())?;
    out.extend_from_slice(bytes);
    Some(())
}

/// The encryption context as the header serializes it: the count, then each pair, keys in byte order (a
/// `BTreeMap`'s order); nothing at all for an empty context.
pub(crate) fn serialize_context(context: &BTreeMap<String, String>) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    if context.is_empty() {
        return Some(out);
    }
    put_u16(&mut out, context.len())?;
    for (k, v) in context {
        put_short_bytes(&mut out, k.as_bytes())?;
        put_short_bytes(&mut out, v.as_bytes())?;
    }
    Some(out)
}

/// The message's content key: HKDF-SHA384 of the data key, no salt, info = suite id ‖ message id.
pub(crate) fn content_key(
    data_key: &[u8; DATA_KEY_LEN],
    message_id: &[u8; MESSAGE_ID_LEN],
) -> Option<LessSafeKey> {
    struct Len(usize);
    impl hkdf::KeyType for Len {
        fn len(&self) -> usize {
            self.0
        }
    }
    let mut info = SUITE_ID.to_be_bytes().to_vec();
    info.extend_from_slice(message_id);
    let info = [info.as_slice()];
    let mut key = [0u8; DATA_KEY_LEN];
    hkdf::Salt::new(hkdf::HKDF_SHA384, &[])
        .extract(data_key)
        .expand(&info, Len(DATA_KEY_LEN))
        .ok()?
        .fill(&mut key)
        .ok()?;
    Some(LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &key).ok()?))
}

/// The final frame's additional data: message id ‖ "AWSKMSEncryptionClient Final Frame" ‖ sequence number ‖
/// content length (8 bytes).
pub(crate) fn final_frame_aad(message_id: &[u8; MESSAGE_ID_LEN], sequence: u32, length: usize) -> Vec<u8> {
    let mut aad = message_id.to_vec();
    aad.extend_from_slice(FINAL_FRAME_AAD.as_bytes());
    aad.extend_from_slice(&sequence.to_be_bytes());
    aad.extend_from_slice(&(length as u64).to_be_bytes());
    aad
}

/// A frame's IV: its sequence number, big-endian, in the last four of twelve bytes.
pub(crate) fn frame_iv(sequence: u32) -> [u8; IV_LEN] {
    let mut iv = [0u8; IV_LEN];
    iv[IV_LEN - 4..].copy_from_slice(&sequence.to_be_bytes());
    iv
}

/// The message for `plaintext`, which must fit one frame (codes and temporary passwords do); `None` when it does
/// not or a field overflows its length prefix.
pub(crate) fn encrypt(sealing: &Sealing<'_>, plaintext: &[u8]) -> Option<Vec<u8>> {
    if plaintext.len() >= FRAME_LENGTH as usize {
        return None;
    }
    let key = content_key(sealing.data_key, &sealing.message_id)?;
    let mut out = vec![VERSION, TYPE_CUSTOMER_AUTHENTICATED_ENCRYPTED_DATA];
    out.extend_from_slice(&SUITE_ID.to_be_bytes());
    out.extend_from_slice(&sealing.message_id);
    put_short_bytes(&mut out, &serialize_context(sealing.context)?)?;
    let edk = sealing.data_key_encrypted;
    put_u16(&mut out, 1)?;
    put_short_bytes(&mut out, edk.provider_id.as_bytes())?;
    put_short_bytes(&mut out, edk.provider_info.as_bytes())?;
    put_short_bytes(&mut out, &edk.ciphertext)?;
    out.push(CONTENT_TYPE_FRAMED);
    out.extend_from_slice(&[0; 4]);
    out.push(IV_LEN as u8);
    out.extend_from_slice(&FRAME_LENGTH.to_be_bytes());
    // Header authentication: an empty plaintext under a zero IV, the header as additional data.
    let header_iv = [0u8; IV_LEN];
    let tag = key
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(header_iv),
            Aad::from(out.as_slice()),
            &mut [],
        )
        .ok()?;
    out.extend_from_slice(&header_iv);
    out.extend_from_slice(tag.as_ref());
    // The body: one final frame, sequence number 1.
    let sequence = 1;
    let iv = frame_iv(sequence);
    let mut content = plaintext.to_vec();
    let tag = key
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(iv),
            Aad::from(final_frame_aad(&sealing.message_id, sequence, content.len())),
            &mut content,
        )
        .ok()?;
    out.extend_from_slice(&FINAL_FRAME_MARKER.to_be_bytes());
    out.extend_from_slice(&sequence.to_be_bytes());
    out.extend_from_slice(&iv);
    out.extend_from_slice(&u32::try_from(content.len()).ok()?.to_be_bytes());
    out.extend_from_slice(&content);
    out.extend_from_slice(tag.as_ref());
    // The footer: the signature over everything before it.
    let signature = sealing.signer.pair.sign(&SystemRandom::new(), &out).ok()?;
    put_short_bytes(&mut out, signature.as_ref())?;
    debug_assert_eq!(TAG_LEN, tag.as_ref().len());
    Some(out)
}

#[cfg(test)]
#[path = "message_tests.rs"]
mod tests;
