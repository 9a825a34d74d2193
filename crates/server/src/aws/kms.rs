//! KMS on the same listener (`X-Amz-Target: TrentService.<Op>`, AWS JSON 1.1), as far as a pool's custom sender
//! functions need it: `Decrypt` of the data keys in the codes Latchkey hands them (see core's `kms`), so a function
//! written for Cognito — the Encryption SDK's `KmsKeyringNode` with a KMS client pointed here (`endpoint`, or
//! `AWS_ENDPOINT_URL_KMS`) — decrypts them unchanged. Requests are signed for service `kms` with an admin key,
//! as the function's role signs them in AWS. Other KMS operations are unknown here.

use axum::http::{HeaderMap, Method, Uri};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use latchkey_core::kms::KmsDecryptInput;
use latchkey_core::{CognitoError, ErrorKind};
use serde_json::{json, Value};

use super::sigv4;
use crate::AppState;

/// Whether an `X-Amz-Target` names a KMS operation.
pub fn is_kms_target(target: &str) -> bool {
    target
        .strip_prefix("TrentService.")
        .is_some_and(|op| !op.is_empty())
}
/// KMS's limit on a ciphertext blob, in bytes.
const MAX_CIPHERTEXT_BYTES: usize = 6144;

fn validation(message: String) -> CognitoError {
    CognitoError::new(
        ErrorKind::ValidationException,
        format!("1 validation error detected: {message}"),
    )
}

fn serialization(message: &str) -> CognitoError {
    CognitoError::new(ErrorKind::SerializationException, message)
}

/// Runs `TrentService.<op>`.
pub async fn run(
    st: &AppState,
    op: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, CognitoError> {
    if op != "Decrypt" {
        return Err(CognitoError::new(
            ErrorKind::UnknownOperationException,
            format!("Latchkey's KMS answers Decrypt only, not {op}."),
        ));
    }
    let now = st.latchkey.clock().now();
    sigv4::verify(&st.keys, method, uri, headers, body, now, "kms")?;
    let input: Value =
        serde_json::from_slice(body).map_err(|_| serialization("The request body is not a JSON object."))?;
    let decrypted = st.latchkey.kms_decrypt(&decrypt_input(&input)?).await?;
    Ok(json!({
        "KeyId": decrypted.key_id,
        "Plaintext": STANDARD.encode(&decrypted.plaintext),
        "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
    }))
}

/// `Decrypt`'s members, checked as KMS checks them.
fn decrypt_input(input: &Value) -> Result<KmsDecryptInput, CognitoError> {
    let input = input
        .as_object()
        .ok_or_else(|| serialization("The request body is not a JSON object."))?;
    let blob = match input.get("CiphertextBlob") {
        None | Some(Value::Null) => {
            return Err(validation(
                "Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null".into(),
            ))
        }
        Some(Value::String(text)) => STANDARD
            .decode(text)
            .map_err(|_| serialization("CiphertextBlob is not valid base64."))?,
        Some(_) => return Err(serialization("CiphertextBlob must be a base64 string.")),
    };
    if blob.is_empty() || blob.len() > MAX_CIPHERTEXT_BYTES {
        return Err(validation(format!(
            "Value at 'ciphertextBlob' failed to satisfy constraint: Member must have length between 1 and \
             {MAX_CIPHERTEXT_BYTES}"
        )));
    }
    let encryption_context = match input.get("EncryptionContext") {
        None | Some(Value::Null) => Default::default(),
        Some(Value::Object(pairs)) => pairs
            .iter()
            .map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
            .collect::<Option<_>>()
            .ok_or_else(|| serialization("EncryptionContext values must be strings."))?,
        Some(_) => return Err(serialization("EncryptionContext must be a map of strings.")),
    };
    let key_id =
        match input.get("KeyId") {
            None | Some(Value::Null) => None,
            Some(Value::String(k)) if !k.is_empty() && k.len() <= 2048 => Some(k.clone()),
            Some(Value::String(_)) => return Err(validation(
                "Value at 'keyId' failed to satisfy constraint: Member must have length between 1 and 2048"
                    .into(),
            )),
            Some(_) => return Err(serialization("KeyId must be a string.")),
        };
    Ok(KmsDecryptInput {
        ciphertext_blob: blob,
        encryption_context,
        key_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(input: Value) -> (ErrorKind, String) {
        let e = decrypt_input(&input).unwrap_err();
        (e.kind(), e.message().to_string())
    }

    #[test]
    fn decrypt_members_are_checked_as_kms_checks_them() {
        let ok =
            decrypt_input(&json!({"CiphertextBlob": "AQID", "EncryptionContext": {"a": "b"}, "KeyId": "k"}))
                .unwrap();
        assert_eq!(ok.ciphertext_blob, [1, 2, 3]);
        assert_eq!(ok.encryption_context["a"], "b");
        assert_eq!(ok.key_id.as_deref(), Some("k"));
        assert_eq!(
            refusal(json!({})),
            (
                ErrorKind::ValidationException,
                "1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member \
                 must not be null"
                    .into()
            )
        );
        assert_eq!(
            refusal(json!({"CiphertextBlob": ""})).0,
            ErrorKind::ValidationException
        );
        let huge = STANDARD.encode(vec![0; MAX_CIPHERTEXT_BYTES + 1]);
        assert_eq!(
            refusal(json!({"CiphertextBlob": huge})).0,
            ErrorKind::ValidationException
        );
        assert_eq!(
            refusal(json!({"CiphertextBlob": "%%"})).0,
            ErrorKind::SerializationException
        );
        assert_eq!(
            refusal(json!({"CiphertextBlob": "AQID", "EncryptionContext": {"a": 1}})).0,
            ErrorKind::SerializationException
        );
        assert_eq!(
            refusal(json!({"CiphertextBlob": "AQID", "KeyId": ""})).0,
            ErrorKind::ValidationException
        );
        assert_eq!(refusal(json!([1])).0, ErrorKind::SerializationException);
        assert!(
            is_kms_target("TrentService.Decrypt")
                && !is_kms_target("TrentService.")
                && !is_kms_target("Trent")
        );
    }
}
