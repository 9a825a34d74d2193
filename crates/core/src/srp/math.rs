//! The SRP-6a arithmetic. Big integers are `crypto-bigint` 3072-bit values in Montgomery form, whose
//! exponentiation runs in time independent of the (secret) exponent's value; exponents are 256-bit, so each
//! modular exponentiation is bounded to 256 bits.

use std::sync::OnceLock;

use aws_lc_rs::{digest, hmac};
use crypto_bigint::ctutils::CtLookup;
use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{CtLt, Odd, U256, U3072};

const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD",
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F",
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510",
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C",
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

/// Size in bytes of a group element.
pub const ELEMENT_BYTES: usize = 384;
const EXPONENT_BITS: u32 = 256;

/// N (odd, so it can be a Montgomery modulus) — checked when the constant is built.
const N: Odd<U3072> = Odd::<U3072>::from_be_hex(N_HEX);

type Monty = FixedMontyForm<{ U3072::LIMBS }>;

/// Digits of a fixed-base exponent: 4 bits, so 64 of them for a 256-bit exponent.
const DIGIT_BITS: usize = 4;
const DIGITS: usize = EXPONENT_BITS as usize / DIGIT_BITS;

struct Group {
    params: FixedMontyParams<{ U3072::LIMBS }>,
    k: Monty,
    /// g_powers[w][d] = g^(d·16^w), Montgomery form (64 × 16 × 384 bytes = 384 KiB). Every g^e this module
    /// computes (B's g^b, verifiers, A in tests) is then 64 multiplications by table entries instead of 256
    /// squarings and 64 multiplications — a quarter of the server's SRP work. Entries are picked with a
    /// constant-time lookup that reads the whole row, so the secret digits leave no trace in memory access.
    g_powers: Vec<[U3072; 1 << DIGIT_BITS]>,
}

fn g_power_table(g: &Monty) -> Vec<[U3072; 1 << DIGIT_BITS]> {
    let mut rows = Vec::with_capacity(DIGITS);
    let mut base = *g;
    for _ in 0..DIGITS {
        let mut row = [U3072::ZERO; 1 << DIGIT_BITS];
        let mut power = Monty::one(g.params());
        for entry in row.iter_mut() {
            *entry = power.to_montgomery();
            power = power.mul(&base);
        }
        rows.push(row);
        // base^16 for the next digit: `power` is base^16 after the loop.
        base = power;
    }
    rows
}

/// g^e mod N for a 256-bit exponent, from the fixed-base table (see `Group::g_powers`).
fn g_pow(e: &U256) -> Monty {
    let gr = group();
    let be = e.to_be_bytes();
    let be: &[u8] = be.as_ref();
    let mut acc = Monty::one(&gr.params);
    for (w, row) in gr.g_powers.iter().enumerate() {
        let byte = be[be.len() - 1 - w / 2];
        let digit = if w % 2 == 0 { byte & 0x0F } else { byte >> 4 };
        let entry = row.ct_lookup(digit).unwrap_or(U3072::ZERO);
        acc = acc.mul(&Monty::from_montgomery(entry, &gr.params));
    }
    acc
}

fn group() -> &'static Group {
    static GROUP: OnceLock<Group> = OnceLock::new();
    GROUP.get_or_init(|| {
        let params = FixedMontyParams::new_vartime(N);
        let g = FixedMontyForm::new(&U3072::from_u8(2), &params);
        // k = H(padHex(N) || padHex(g))
        let k = FixedMontyForm::new(&u3072_from_be(&sha256(&[&pad(&N.get()), &[2u8]])), &params);
        let g_powers = g_power_table(&g);
        Group { params, k, g_powers }
    })
}

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut ctx = digest::Context::new(&digest::SHA256);
    for p in parts {
        ctx.update(p);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut ctx = hmac::Context::with_key(&hmac::Key::new(hmac::HMAC_SHA256, key));
    for p in parts {
        ctx.update(p);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.sign().as_ref());
    out
}

/// Big-endian bytes (at most 384) as a 3072-bit integer.
pub fn u3072_from_be(bytes: &[u8]) -> U3072 {
    let mut buf = [0u8; ELEMENT_BYTES];
    let start = ELEMENT_BYTES.saturating_sub(bytes.len());
    let take = bytes.len().min(ELEMENT_BYTES);
    buf[start..].copy_from_slice(&bytes[bytes.len() - take..]);
    U3072::from_be_slice(&buf)
}

fn u256_from_be(bytes: &[u8; 32]) -> U256 {
    U256::from_be_slice(bytes)
}

/// Cognito's `padHex` as bytes: the minimal big-endian encoding, with a leading zero byte when the top bit is
/// set (so the value reads as positive), and a single zero byte for zero.
pub fn pad(value: &U3072) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    pad_bytes(bytes.as_ref())
}

pub fn pad_bytes(be: &[u8]) -> Vec<u8> {
    let first = be.iter().position(|b| *b != 0).unwrap_or(be.len());
    let trimmed = &be[first..];
    let mut out = Vec::with_capacity(trimmed.len() + 1);
    if trimmed.is_empty() || trimmed[0] & 0x80 != 0 {
        out.push(0);
    }
    out.extend_from_slice(trimmed);
    out
}

/// Lowercase hex without leading zeros, as clients send SRP_A/SRP_B/SALT.
pub fn to_hex(value: &U3072) -> String {
    let h = hex::encode(value.to_be_bytes().as_ref());
    let t = h.trim_start_matches('0');
    if t.is_empty() {
        "0".into()
    } else {
        t.into()
    }
}

/// Parses client hex (any length, odd allowed) into a group-sized integer; `None` if it is not hex or does not
/// fit in 3072 bits.
pub fn from_hex(text: &str) -> Option<U3072> {
    let t = text.trim().trim_start_matches('0');
    if t.len() > ELEMENT_BYTES * 2 || !t.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let even = if t.len() % 2 == 1 {
        format!("0{t}")
    } else {
        t.to_string()
    };
    hex::decode(even).ok().map(|b| u3072_from_be(&b))
}

/// x = H(padHex(salt) || H(poolName || userId || ":" || password)).
pub fn private_key(salt: &U3072, pool_name: &str, user_id: &str, password: &str) -> U256 {
    let inner = sha256(&[
        pool_name.as_bytes(),
        user_id.as_bytes(),
        b":",
        password.as_bytes(),
    ]);
    u256_from_be(&sha256(&[&pad(salt), &inner]))
}

fn exp(base: &FixedMontyForm<{ U3072::LIMBS }>, e: &U256) -> FixedMontyForm<{ U3072::LIMBS }> {
    base.pow_bounded_exp(e, EXPONENT_BITS)
}

/// v = g^x mod N.
pub fn verifier(x: &U256) -> U3072 {
    g_pow(x).retrieve()
}

/// B = (k·v + g^b) mod N.
pub fn server_public(v: &U3072, b: &U256) -> U3072 {
    let gr = group();
    let kv = gr.k.mul(&FixedMontyForm::new(v, &gr.params));
    kv.add(&g_pow(b)).retrieve()
}

/// Whether a client's A is acceptable: below N and not zero (so A mod N ≠ 0).
pub fn valid_public(a: &U3072) -> bool {
    bool::from(a.ct_lt(N.as_ref())) && !bool::from(a.is_zero())
}

/// u = H(padHex(A) || padHex(B)).
pub fn scrambler(a: &U3072, b_pub: &U3072) -> U256 {
    u256_from_be(&sha256(&[&pad(a), &pad(b_pub)]))
}

/// S = (A · v^u)^b mod N.
pub fn server_secret(a: &U3072, v: &U3072, u: &U256, b: &U256) -> U3072 {
    let gr = group();
    let vu = exp(&FixedMontyForm::new(v, &gr.params), u);
    exp(&FixedMontyForm::new(a, &gr.params).mul(&vu), b).retrieve()
}

/// The 16-byte session key: HKDF-SHA256 with salt padHex(u), input padHex(S), info "Caldera Derived Key".
pub fn session_key(s: &U3072, u: &U256) -> [u8; 16] {
    let u_pad = pad_bytes(u.to_be_bytes().as_ref());
    let prk = hmac_sha256(&u_pad, &[&pad(s)]);
    let okm = hmac_sha256(&prk, &[b"Caldera Derived Key", &[1u8]]);
    let mut key = [0u8; 16];
    key.copy_from_slice(&okm[..16]);
    key
}

/// PASSWORD_CLAIM_SIGNATURE = HMAC(key, poolName || userId || secretBlock || timestamp).
pub fn claim_signature(
    key: &[u8; 16],
    pool_name: &str,
    user_id: &str,
    secret_block: &[u8],
    timestamp: &str,
) -> [u8; 32] {
    hmac_sha256(
        key,
        &[
            pool_name.as_bytes(),
            user_id.as_bytes(),
            secret_block,
            timestamp.as_bytes(),
        ],
    )
}

/// Checks a PASSWORD_CLAIM_SIGNATURE (base64) against the server's view of the exchange, in constant time.
/// `None` when the scrambler u is zero, which SRP forbids.
#[allow(clippy::too_many_arguments)]
pub fn check_claim(
    v: &U3072,
    a_pub: &U3072,
    b_pub: &U3072,
    b: &U256,
    pool_name: &str,
    user_id: &str,
    secret_block: &[u8],
    timestamp: &str,
    signature_b64: &str,
) -> Option<bool> {
    use base64::Engine;
    let u = scrambler(a_pub, b_pub);
    if bool::from(u.is_zero()) {
        return None;
    }
    let key = session_key(&server_secret(a_pub, v, &u, b), &u);
    let expected = claim_signature(&key, pool_name, user_id, secret_block, timestamp);
    let given = base64::engine::general_purpose::STANDARD
        .decode(signature_b64.trim())
        .unwrap_or_default();
    Some(given.len() == expected.len() && crate::secrets::constant_time_eq(&expected, &given))
}

/// The client's A = g^a mod N — what amazon-cognito-identity-js computes; used by tests and the benchmark.
pub fn client_public(a: &U256) -> U3072 {
    g_pow(a).retrieve()
}

/// The client's S = (B − k·g^x)^(a + u·x) mod N, for tests and the benchmark. Not constant time.
pub fn client_secret(b_pub: &U3072, x: &U256, a: &U256, u: &U256) -> U3072 {
    let gr = group();
    let gx = g_pow(x);
    let base = FixedMontyForm::new(b_pub, &gr.params).sub(&gr.k.mul(&gx));
    // a + u·x as a 512-bit exponent, computed exactly.
    let ux = u.concatenating_mul(x);
    let e = ux.wrapping_add(&a.resize());
    base.pow_vartime(&e).retrieve()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;

    // Every value below is printed by shared/tools/srp_vector.py and was checked against
    // amazon-cognito-identity-js and pycognito.
    const A_HEX: &str = "f2c4e7407ccfac452a7c7e1034e8388bf70b3aea30007fd146ae4c54b341d252f7752a43f24cd28368a96f455f9ee00eb4312863c2560b7162587cd2c962b588cae47a9ac339433f9fc7d3563c1abb952acc1e3dd565fc9ecde1ac7cc593627494abc14dbb2410bc3dc4a0cf5e6f2f7af643f1d2c888180b50375a28902031b3c7052284d5d32b9dd8ee35c6c0cb9ee52288bcbc52deb224c55391da65ec10e66f8c41cc7d0c12b7a75f171ada3cb4c21fba22c4ad59ad4685cd63080d92d959cc54fcda8022cb856ce27c6e2ae2c81f6f9fa8cad13cfb22dc202b650e14014498bf3afd56c95a8cf956c46e3aedb2f20b4d1d8ebf2e9ef26955e228142b1168b1bfd7383d403ccbb00d89ca6843e39b7a44d7741a063bd4edb9c054606f59c7416327aa574b2f6d910606d9677c5018d07e080cd342ac446d35fd481f7818c780deb9508aeba3483493e43c98c6885e09883b8feb7e903e16468e7a1fc3df0cc55c71d1b3e4b4574d40699be76bca7abdf7938cfb2068cacca3b49b35a49099";
    const B_HEX: &str = "a30f68f893ff86a0a4fffeea8459d7454b825485eb3ac253fcb4c8c674db41c2482076a87edb5b9fe6e86d9c693d9ad57d409b32be155a8d16e991868690fda5926843c6b23a1bd8a7229ef75bc7b19d20561d9fbeca724c4fd4b9adf250097714837e93769a8cdefb4a700b4ca83be72f42a49618c5750d6cd47a645956eb7aa2aff2e5283b480fd0e244d999713196604ca8912a54c16d087941d9e4aa71024407c67aaabaebbdb9d3b4bdf83a8d3ee8f5bebd79927cfca1969517a0aefce7c574b6e54b94af6d22c8aff2d9c9bd7d27605c584843a6fe031f58ef142f130d710e41c2e7cd98646312d56b4655ec2d27ec3352c02a60fe1e69128908d60cedddbe19266c8c72308065fcc4310ff1829b6bdfa231f56ccea1639aeac9b1627457e0472d9ecba2fd6c485cec66c725712d821f698ec5468b0bb33b781ce0c63a883fdcfeb6ff4d85bfdab2ff643f490a1f61102ef39265772444204d9242ba7a900ca7203a1aaad82dfc7e0be5af582a45899d7614cac6fd952653478b161d1c";
    const V_HEX: &str = "71f523899c730492ebb499168222e5179d404b86708f3ab8fe0a3f5f8dd7c055c8f76189987aa0bbe12bcc7c45462dbf656e1c2728cb99f7f8e8fa167004358a715839c890ba64034971fc1accf194ea0f04e4748e3fa40fb9f6e4714c0ee74d17c18d34ad4b406959c83eaf8844097778a9a487e37c3ffd1f49bd17fa57a94699769ee721a8f279a2c2ce9c01fad2ad5a5b2fa3785aea65bb5d6b8c72a74277fb1a4bf5ed91de853fb1490b8beb43bf7e62f789bb51487ac03f7841dd7f5196b8e5cd303e0fa2f637f1145065e93fdc065153049988d597ba38c0c7e6009776bdb4cf2b01fb32335020f8174cd9f3fea5e08ee15b47afd609a35d49e95b09423a1300fa68d0dedcbc6503138d0c81c9e8b691109b823c0e2f13b2a995cea8032d99a0e48d086c176089cb7341f0058ff858187c5305437631e897ae11c2978c9f0ebc057cd64e22ba2cc528d1f8ddb0a4a7a908e09b7cffcb8cec2c1737874d9226aa51f126bc7eb810d8fa29b0b4d7e0fc59fbc3494001b26fd664aaa8581";

    fn u256_hex(h: &str) -> U256 {
        U256::from_be_hex(h)
    }

    #[test]
    fn pins_every_value_of_the_reference_vector() {
        assert_eq!(pad(&N.get()).len(), 385);
        assert_eq!(pad(&N.get())[..2], [0x00, 0xff]);
        let k = sha256(&[&pad(&N.get()), &[2u8]]);
        assert_eq!(
            hex::encode(k),
            "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6"
        );

        let salt = from_hex("123456789abcdef0123456789abcdef").unwrap();
        let x = private_key(&salt, "AbCdEfGhI", "alice", "P@ssw0rd!");
        assert_eq!(
            hex::encode(x.to_be_bytes().as_ref()),
            "59e232173d640b86229037dbd9c2ca4f7d8aabed78a0d9e4f4312edbb23a862b"
        );
        let v = verifier(&x);
        assert_eq!(to_hex(&v), V_HEX);

        let a = u256_hex(&"1".repeat(64));
        let b = u256_hex(&"2".repeat(64));
        let a_pub = client_public(&a);
        assert_eq!(to_hex(&a_pub), A_HEX);
        let b_pub = server_public(&v, &b);
        assert_eq!(to_hex(&b_pub), B_HEX);

        let u = scrambler(&a_pub, &b_pub);
        assert_eq!(
            hex::encode(u.to_be_bytes().as_ref()),
            "97085ffc77e3d461fe160771a247d3cb0e2d577a5394480254a63a31450c57d4"
        );
        let s = server_secret(&a_pub, &v, &u, &b);
        assert_eq!(
            &to_hex(&s)[..64],
            "2e589e47937e6fa2308653cfa46f383a2713d69222e138b55816264d02652cbf"
        );
        assert_eq!(
            client_secret(&b_pub, &x, &a, &u),
            s,
            "client and server agree on S"
        );
        let key = session_key(&s, &u);
        assert_eq!(hex::encode(key), "2644299c9d21e6f65cf691ba5ac43aa3");

        let block = STANDARD.decode("b3BhcXVlLXNlcnZlci1zdGF0ZQ==").unwrap();
        let sig = claim_signature(&key, "AbCdEfGhI", "alice", &block, "Tue Mar 5 07:04:09 UTC 2024");
        assert_eq!(
            STANDARD.encode(sig),
            "Ct2MgjgFJqW2S9CYEAS5X/9TMNHxtEUyNxNueREHczk="
        );
    }

    #[test]
    fn pad_hex_rules() {
        assert_eq!(pad_bytes(&[0x14]), vec![0x14]);
        assert_eq!(pad_bytes(&[0x00, 0xc8]), vec![0x00, 0xc8]);
        assert_eq!(pad_bytes(&[0xec]), vec![0x00, 0xec]);
        assert_eq!(pad_bytes(&[0, 0]), vec![0]);
    }

    #[test]
    fn public_values_are_checked() {
        assert!(!valid_public(&U3072::ZERO));
        assert!(!valid_public(&N.get()));
        assert!(valid_public(&U3072::ONE));
        assert!(from_hex("xyz").is_none());
        assert!(from_hex(&"f".repeat(769)).is_none());
        assert_eq!(from_hex("0abc"), from_hex("abc"));
    }
}
