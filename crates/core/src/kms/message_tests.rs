//! The message format against the Encryption SDK itself: a message `@aws-crypto/client-node` 5.0.2 encrypted with
//! a known data key, a real Cognito message's header, and our own messages read back by a decoder written from
//! the format's reference (for these tests only; Latchkey never decrypts its messages).

use std::collections::BTreeMap;

use aws_lc_rs::aead::{Aad, Nonce};
use aws_lc_rs::signature::{UnparsedPublicKey, ECDSA_P384_SHA384_ASN1};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::*;

/// `@aws-crypto/client-node` 5.0.2, `encrypt("123456")` with suite 0x0378, frame length 4096, the context
/// `{"userpool-id": "us-east-1_Example"}`, and a keyring that set the data key to the bytes 1..=32 and one
/// `aws-kms` data key for `VECTOR_ARN` whose ciphertext is `opaque-kms-blob`.
const ESDK_VECTOR: &str = "AYADeOgW7zG5pCYfBUGhz/h6nnEAfwACABVhd3MtY3J5cHRvLXB1YmxpYy1rZXkAREFoUGU3eUVReDZFVWVJQ0N5ckRZbmZ2TU5kM0llYllJYzh3SWFMWk5tNmx1bWtPeUNyU1gxeklSZEpNbUMyZmdMdz09AAt1c2VycG9vbC1pZAARdXMtZWFzdC0xX0V4YW1wbGUAAQAHYXdzLWttcwBLYXJuOmF3czprbXM6dXMtZWFzdC0xOjEyMzQ1Njc4OTAxMjprZXkvMTExMTExMTEtMjIyMi0zMzMzLTQ0NDQtNTU1NTU1NTU1NTU1AA9vcGFxdWUta21zLWJsb2ICAAAAAAwAABAAAAAAAAAAAAAAAAAAy0p1fDKIsKpDFg0S2cn+RP////8AAAABAAAAAAAAAAAAAAABAAAABnerQYR4nhcQN5n8MndMtKYtzRBi41gAZjBkAjAw4FKcGb6ovNN+KGpY4mLzTfcUOoatFVIa6XMQErpe7x9p4FNAmKl+WQ0gWdlbrg8CMDsAQkuju3zSA/+rou6Nz3kyC1lT3rBJu6Pc9WV9G9yG3AAnvPbQXH0FeWekA0l9og==";
const VECTOR_ARN: &str = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555";

/// The start of a code Cognito sent a CustomEmailSender function (quoted in awslabs/aws-sdk-rust#1250): the whole
/// header and final frame, the signature cut short.
const COGNITO_PREFIX: &str = "AYADeOmFlubmeytliSHh3UPC6DEAhgACABVhd3MtY3J5cHRvLXB1YmxpYy1rZXkAREFsY3pMRmFHcmg1d0loeEdDVlM3Q3RmKzhTT1hwMTk3dit3WVJaaGEvaWdBNHphcXZVM0Y2YU9XTE5XN0cxUWVlZz09AAt1c2VycG9vbC1pZAAYYXAtbm9ydGhlYXN0LTFfR085a0ZUdWh1AAEAB2F3cy1rbXMAUGFybjphd3M6a21zOmFwLW5vcnRoZWFzdC0xOjI0ODE4OTkxOTQ3NjprZXkvYWMzNGE4MDYtOTk2OS00ZDkzLWE3MWQtMGE0Y2NmZjkyN2IwALgBAgEAeDilmRKWFKPH4cndgi3anZx1SjTZWNilp6GmSIRD1GHZAS/d1uzBY2NbF/HYKwGNxroAAAB+MHwGCSqGSIb3DQEHBqBvMG0CAQAwaAYJKoZIhvcNAQcBMB4GCWCGSAFlAwQBLjARBAwbgIN+J92tdWLFEtECARCAOykOLIoB4BBesdXqKJJ7kgHcv2vpaQUmXwXj+3+CdAV4bwSIv36vzrDiPTQIhxK0aUxe76Fn1GXe0wruAgAAAAAMAAAQAAAAAAAAAAAAAAAAABjK/RZLzBVOKQW3f5tqSkn/////AAAAAQAAAAAAAAAAAAAAAQAAAAZ380AzDDfNusfhqQ13kdrl12aKw20NAGcwZQIxAJnLNmDTlp9ji/MrfdoobWtyvuRS8";

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> &'a [u8] {
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        out
    }
    fn u8(&mut self) -> u8 {
        self.take(1)[0]
    }
    fn u16(&mut self) -> usize {
        u16::from_be_bytes(self.take(2).try_into().unwrap()) as usize
    }
    fn u32(&mut self) -> u32 {
        u32::from_be_bytes(self.take(4).try_into().unwrap())
    }
    fn short_bytes(&mut self) -> &'a [u8] {
        let n = self.u16();
        self.take(n)
    }
    fn short_string(&mut self) -> String {
        String::from_utf8(self.short_bytes().to_vec()).unwrap()
    }
}

/// A message taken apart, as far as its bytes go.
struct Parsed<'a> {
    suite: u16,
    message_id: [u8; MESSAGE_ID_LEN],
    context: BTreeMap<String, String>,
    data_keys: Vec<EncryptedDataKey>,
    frame_length: u32,
    header: &'a [u8],
    header_iv: &'a [u8],
    header_tag: &'a [u8],
    marker: u32,
    sequence: u32,
    frame_iv: &'a [u8],
    content: &'a [u8],
    content_tag: &'a [u8],
    signed: &'a [u8],
}

fn parse(buf: &[u8]) -> Parsed<'_> {
    let mut r = Reader { buf, pos: 0 };
    assert_eq!(
        (r.u8(), r.u8()),
        (VERSION, TYPE_CUSTOMER_AUTHENTICATED_ENCRYPTED_DATA)
    );
    let suite = r.u16() as u16;
    let message_id = r.take(MESSAGE_ID_LEN).try_into().unwrap();
    let aad = r.short_bytes();
    let mut context = BTreeMap::new();
    if !aad.is_empty() {
        let mut c = Reader { buf: aad, pos: 0 };
        for _ in 0..c.u16() {
            let k = c.short_string();
            context.insert(k, c.short_string());
        }
        assert_eq!(c.pos, aad.len());
    }
    let data_keys = (0..r.u16())
        .map(|_| EncryptedDataKey {
            provider_id: r.short_string(),
            provider_info: r.short_string(),
            ciphertext: r.short_bytes().to_vec(),
        })
        .collect();
    assert_eq!(r.u8(), CONTENT_TYPE_FRAMED);
    assert_eq!(r.take(4), [0; 4]);
    assert_eq!(r.u8() as usize, IV_LEN);
    let frame_length = r.u32();
    let header = &buf[..r.pos];
    let header_iv = r.take(IV_LEN);
    let header_tag = r.take(TAG_LEN);
    let marker = r.u32();
    let sequence = r.u32();
    let frame_iv = r.take(IV_LEN);
    let length = r.u32() as usize;
    let content = r.take(length);
    let content_tag = r.take(TAG_LEN);
    Parsed {
        suite,
        message_id,
        context,
        data_keys,
        frame_length,
        header,
        header_iv,
        header_tag,
        marker,
        sequence,
        frame_iv,
        content,
        content_tag,
        signed: &buf[..r.pos],
    }
}

/// The plaintext of a whole message under `data_key`, every check the Encryption SDK makes on the way: the
/// header's tag, the frame's tag, and the signature with the key the context names.
fn decrypt(buf: &[u8], data_key: &[u8; DATA_KEY_LEN]) -> Result<Vec<u8>, &'static str> {
    let p = parse(buf);
    let mut footer = Reader {
        buf,
        pos: p.signed.len(),
    };
    let signature = footer.short_bytes();
    if footer.pos != buf.len() {
        return Err("trailing bytes");
    }
    let public = STANDARD.decode(&p.context[PUBLIC_KEY_CONTEXT_KEY]).unwrap();
    UnparsedPublicKey::new(&ECDSA_P384_SHA384_ASN1, public)
        .verify(p.signed, signature)
        .map_err(|_| "signature")?;
    let key = content_key(data_key, &p.message_id).unwrap();
    let mut empty = p.header_tag.to_vec();
    key.open_in_place(
        Nonce::try_assume_unique_for_key(p.header_iv).unwrap(),
        Aad::from(p.header),
        &mut empty,
    )
    .map_err(|_| "header tag")?;
    let mut content = [p.content, p.content_tag].concat();
    let aad = final_frame_aad(&p.message_id, p.sequence, p.content.len());
    let plain = key
        .open_in_place(
            Nonce::try_assume_unique_for_key(p.frame_iv).unwrap(),
            Aad::from(aad),
            &mut content,
        )
        .map_err(|_| "frame tag")?;
    Ok(plain.to_vec())
}

fn vector_key() -> [u8; DATA_KEY_LEN] {
    std::array::from_fn(|i| i as u8 + 1)
}

#[test]
fn the_encryption_sdks_own_message_decrypts_here() {
    let message = STANDARD.decode(ESDK_VECTOR).unwrap();
    let p = parse(&message);
    assert_eq!(p.suite, SUITE_ID);
    assert_eq!(p.frame_length, FRAME_LENGTH);
    assert_eq!(p.context["userpool-id"], "us-east-1_Example");
    assert_eq!(
        p.data_keys,
        vec![EncryptedDataKey {
            provider_id: "aws-kms".into(),
            provider_info: VECTOR_ARN.into(),
            ciphertext: b"opaque-kms-blob".to_vec(),
        }]
    );
    assert_eq!(decrypt(&message, &vector_key()).unwrap(), b"123456");
    let mut wrong = vector_key();
    wrong[0] ^= 1;
    assert_eq!(decrypt(&message, &wrong), Err("header tag"));
}

#[test]
fn cognitos_messages_have_this_layout() {
    let message = STANDARD
        .decode(COGNITO_PREFIX.get(..COGNITO_PREFIX.len() / 4 * 4).unwrap())
        .unwrap();
    let p = parse(&message);
    assert_eq!(p.suite, SUITE_ID);
    assert_eq!(
        p.context.keys().collect::<Vec<_>>(),
        [PUBLIC_KEY_CONTEXT_KEY, "userpool-id"]
    );
    assert_eq!(p.context["userpool-id"], "ap-northeast-1_GO9kFTuhu");
    assert_eq!(p.data_keys.len(), 1);
    assert_eq!(p.data_keys[0].provider_id, "aws-kms");
    assert!(p.data_keys[0]
        .provider_info
        .starts_with("arn:aws:kms:ap-northeast-1:"));
    assert_eq!(p.frame_length, FRAME_LENGTH);
    assert_eq!(p.header_iv, [0; IV_LEN]);
    assert_eq!((p.marker, p.sequence), (FINAL_FRAME_MARKER, 1));
    assert_eq!(p.frame_iv, frame_iv(1));
    assert_eq!(p.content.len(), 6, "a six-digit code in one final frame");
    // The signature that follows is DER: 0x0067 bytes, a SEQUENCE.
    assert_eq!(&message[p.signed.len()..p.signed.len() + 3], [0x00, 0x67, 0x30]);
}

fn sealed(plaintext: &[u8], signer: &SigningKey) -> Vec<u8> {
    let context = BTreeMap::from([
        ("userpool-id".to_string(), "eu-west-1_Abc".to_string()),
        (PUBLIC_KEY_CONTEXT_KEY.to_string(), signer.public.clone()),
    ]);
    let edk = EncryptedDataKey {
        provider_id: "aws-kms".into(),
        provider_info: VECTOR_ARN.into(),
        ciphertext: vec![9; 40],
    };
    encrypt(
        &Sealing {
            message_id: [7; MESSAGE_ID_LEN],
            data_key: &vector_key(),
            context: &context,
            data_key_encrypted: &edk,
            signer,
        },
        plaintext,
    )
    .unwrap()
}

#[test]
fn our_messages_round_trip_and_refuse_tampering() {
    let signer = SigningKey::generate().unwrap();
    assert_eq!(
        STANDARD.decode(&signer.public).unwrap().len(),
        49,
        "a compressed P-384 point"
    );
    let message = sealed(b"Temp!Pass-123", &signer);
    assert_eq!(decrypt(&message, &vector_key()).unwrap(), b"Temp!Pass-123");
    let p = parse(&message);
    assert_eq!(p.context["userpool-id"], "eu-west-1_Abc");
    assert_eq!(p.data_keys[0].ciphertext, vec![9; 40]);
    // Any byte changed is refused: the signature covers all but itself, the tags the header and the content.
    for i in [0, 30, p.header.len() + 3, p.signed.len() - 1] {
        let mut bad = message.clone();
        bad[i] ^= 0x10;
        assert!(std::panic::catch_unwind(|| decrypt(&bad, &vector_key())).map_or(true, |r| r.is_err()));
    }
    // The same header layout as the Encryption SDK's own message, field for field.
    let theirs_bytes = STANDARD.decode(ESDK_VECTOR).unwrap();
    let theirs = parse(&theirs_bytes);
    assert_eq!(
        (p.suite, p.frame_length, p.marker, p.sequence, p.frame_iv),
        (
            theirs.suite,
            theirs.frame_length,
            theirs.marker,
            theirs.sequence,
            theirs.frame_iv
        )
    );
    assert_eq!(p.header_iv, theirs.header_iv);
}

#[test]
fn a_frame_holds_what_it_can() {
    let signer = SigningKey::generate().unwrap();
    let long = vec![b'x'; FRAME_LENGTH as usize - 1];
    assert_eq!(decrypt(&sealed(&long, &signer), &vector_key()).unwrap(), long);
    let context = BTreeMap::new();
    let edk = EncryptedDataKey {
        provider_id: "aws-kms".into(),
        provider_info: VECTOR_ARN.into(),
        ciphertext: vec![],
    };
    let too_long = Sealing {
        message_id: [0; MESSAGE_ID_LEN],
        data_key: &vector_key(),
        context: &context,
        data_key_encrypted: &edk,
        signer: &signer,
    };
    assert!(encrypt(&too_long, &vec![0; FRAME_LENGTH as usize]).is_none());
    assert_eq!(serialize_context(&context), Some(vec![]));
}
