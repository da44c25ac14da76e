//! Keys and signatures an attacker builds without any private key: an `ssh-rsa` key with a real
//! modulus (from `ssh-keygen`) but a forgeable public exponent, and an SSHSIG "signed" by the
//! e = 1 key, which is just the PKCS #1 v1.5 encoding of the signed hash read as an integer
//! (s^1 mod n = s); and an ed25519 "key" of small order. Written by hand in the OpenSSH wire format (RFC 4253, PROTOCOL.sshsig).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use sha2::{Digest, Sha512};

/// The `ssh-rsa` public key line of `public` (an RSA `.pub` line) with its exponent replaced by
/// `e`, commented `comment`.
pub fn rsa_with_exponent(public: &str, e: u64, comment: &str) -> String {
    let n = rsa_modulus(public);
    let e: Vec<u8> = e
        .to_be_bytes()
        .into_iter()
        .skip_while(|&b| b == 0)
        .collect();
    let mut blob = Vec::new();
    string(&mut blob, b"ssh-rsa");
    mpint(&mut blob, &e);
    mpint(&mut blob, &n);
    format!("ssh-rsa {} {comment}", B64.encode(blob))
}

/// An armored SSHSIG over `message` in `namespace`, by the e = 1 key made from `public` with
/// [`rsa_with_exponent`]: no private key involved.
pub fn sshsig_for_exponent_one(public: &str, namespace: &str, message: &[u8]) -> String {
    let n = rsa_modulus(public);
    let key = rsa_with_exponent(public, 1, "");
    let key_blob = B64.decode(key.split_whitespace().nth(1).unwrap()).unwrap();
    // What SSHSIG signs: the magic, the namespace, the reserved field, the hash name and the
    // message's hash.
    let mut signed = b"SSHSIG".to_vec();
    string(&mut signed, namespace.as_bytes());
    string(&mut signed, b"");
    string(&mut signed, b"sha512");
    string(&mut signed, &Sha512::digest(message));
    // EMSA-PKCS1-v1_5 of SHA-512(signed), as long as the modulus: 00 01 FF.. 00 DigestInfo H.
    const SHA512_INFO: [u8; 19] = [
        0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03,
        0x05, 0x00, 0x04, 0x40,
    ];
    let hash = Sha512::digest(&signed);
    let fill = n.len() - 3 - SHA512_INFO.len() - hash.len();
    let mut em = vec![0u8, 1];
    em.extend(std::iter::repeat_n(0xff, fill));
    em.push(0);
    em.extend_from_slice(&SHA512_INFO);
    em.extend_from_slice(&hash);
    let mut signature = Vec::new();
    string(&mut signature, b"rsa-sha2-512");
    string(&mut signature, &em);
    let mut blob = b"SSHSIG".to_vec();
    blob.extend_from_slice(&1u32.to_be_bytes());
    string(&mut blob, &key_blob);
    string(&mut blob, namespace.as_bytes());
    string(&mut blob, b"");
    string(&mut blob, b"sha512");
    string(&mut blob, &signature);
    let body = B64.encode(blob);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(70)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN SSH SIGNATURE-----\n{}\n-----END SSH SIGNATURE-----\n",
        lines.join("\n")
    )
}

/// An `ssh-ed25519` key line whose point is the identity (y = 1), a point of small order:
/// `ssh-keygen` never makes one, anybody can sign for it.
pub fn ed25519_identity(comment: &str) -> String {
    let mut point = [0u8; 32];
    point[0] = 1;
    let mut blob = Vec::new();
    string(&mut blob, b"ssh-ed25519");
    string(&mut blob, &point);
    format!("ssh-ed25519 {} {comment}", B64.encode(blob))
}

/// The modulus of an `ssh-rsa` public key line, big-endian without leading zeros.
fn rsa_modulus(public: &str) -> Vec<u8> {
    let blob = B64
        .decode(public.split_whitespace().nth(1).unwrap())
        .unwrap();
    let mut fields = Vec::new();
    let mut rest = &blob[..];
    while rest.len() >= 4 {
        let len = u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize;
        fields.push(&rest[4..4 + len]);
        rest = &rest[4 + len..];
    }
    assert_eq!(fields[0], b"ssh-rsa", "an ssh-rsa key: {public}");
    fields[2].iter().copied().skip_while(|&b| b == 0).collect()
}

fn string(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// A positive mpint: a leading zero byte when the top bit is set.
fn mpint(out: &mut Vec<u8>, magnitude: &[u8]) {
    if magnitude.first().is_some_and(|b| b & 0x80 != 0) {
        let mut padded = vec![0];
        padded.extend_from_slice(magnitude);
        string(out, &padded);
    } else {
        string(out, magnitude);
    }
}
