//! Whether a parsed public key is one tcli can use: a supported type, and a key that is sound,
//! not one anybody can sign for without a private key (docs/team-repos.md, "Supported keys").
//! The parser accepts whatever OpenSSH's wire format can carry (an RSA key with e = 1, an
//! ed25519 "key" that is no point of the curve); this file says why such a key is unusable, so
//! the roster lists it as a problem and a signature by it is refused. What the problem then
//! does (a warning, a refused signature, a refused recipient) is the caller's business.

use ssh_key::public::{EcdsaPublicKey, Ed25519PublicKey, KeyData, RsaPublicKey};

/// The shortest RSA key tcli accepts.
pub const MIN_RSA_BITS: usize = 2048;

/// The smallest RSA public exponent tcli accepts: OpenSSH's and OpenSSL's default, and the
/// floor NIST SP 800-56B sets. e = 1 makes every "signature" its own message (anyone can
/// sign), and small exponents are open to the attacks on unpadded or badly padded messages.
pub const MIN_RSA_EXPONENT: u64 = 65_537;

/// Why `key` is unusable, or `None` when tcli can verify signatures by it.
pub(crate) fn problem(key: &KeyData) -> Option<String> {
    match key {
        KeyData::Rsa(rsa) => rsa_problem(rsa),
        KeyData::Ed25519(ed) => ed25519_problem(ed),
        KeyData::Ecdsa(ec @ EcdsaPublicKey::NistP256(_)) => p256_problem(ec),
        other => Some(format!(
            "key type {} is not supported (use ssh-ed25519, ssh-rsa or ecdsa-sha2-nistp256)",
            other.algorithm().as_str()
        )),
    }
}

/// The modulus size of an RSA key, in bits.
pub(crate) fn rsa_bits(rsa: &RsaPublicKey) -> usize {
    let n = magnitude(rsa.n.as_positive_bytes());
    n.first()
        .map_or(0, |top| n.len() * 8 - top.leading_zeros() as usize)
}

fn rsa_problem(rsa: &RsaPublicKey) -> Option<String> {
    let n = magnitude(rsa.n.as_positive_bytes());
    let e = magnitude(rsa.e.as_positive_bytes());
    let bits = rsa_bits(rsa);
    // OpenSSH refuses RSA keys under 1024 bits and NIST deprecates under 2048: a short key is
    // forgeable.
    if bits < MIN_RSA_BITS {
        return Some(format!(
            "RSA key of {bits} bits is too short (tcli accepts {MIN_RSA_BITS} bits or more)"
        ));
    }
    // A product of two large primes is odd; an even modulus has the factor 2 for anyone.
    if n.last().is_none_or(|b| b & 1 == 0) {
        return Some("RSA key has an even modulus, which no real RSA key has".into());
    }
    let small = e.len() <= 8 && u64_of(e) < MIN_RSA_EXPONENT;
    if small || e.last().is_none_or(|b| b & 1 == 0) {
        let shown = if e.len() <= 8 {
            u64_of(e).to_string()
        } else {
            format!("of {} bytes", e.len())
        };
        return Some(format!(
            "RSA key with public exponent {shown} can be forged (tcli accepts an odd exponent of {MIN_RSA_EXPONENT} or more)"
        ));
    }
    if (e.len(), e) >= (n.len(), n) {
        return Some("RSA key's public exponent is not smaller than its modulus".into());
    }
    None
}

fn ed25519_problem(ed: &Ed25519PublicKey) -> Option<String> {
    use curve25519_dalek::edwards::CompressedEdwardsY;
    let Some(point) = CompressedEdwardsY(ed.0).decompress() else {
        return Some("ed25519 key is not a point of the curve".into());
    };
    // A small-order key (the identity, among others) matches a signature anyone can make.
    point.is_small_order().then(|| {
        "ed25519 key is a point of small order, for which anyone can make a signature".into()
    })
}

/// P-256 has cofactor 1: a point of the curve that is not the identity is a sound key. Only
/// the `verify` build has curve arithmetic (OpenSSL's); without it the identity is refused
/// and the rest is left to the verifier, the only one that uses an ECDSA key (age cannot
/// encrypt to one).
fn p256_problem(ec: &EcdsaPublicKey) -> Option<String> {
    let sec1 = ec.as_sec1_bytes();
    let on_curve = sec1.first().is_some_and(|&tag| tag != 0) && on_p256(sec1);
    (!on_curve).then(|| "ECDSA key is not a point of the P-256 curve".into())
}

#[cfg(feature = "verify")]
fn on_p256(sec1: &[u8]) -> bool {
    use openssl::bn::BigNumContext;
    use openssl::ec::{EcGroup, EcPoint};
    use openssl::nid::Nid;
    let check = || -> Result<bool, openssl::error::ErrorStack> {
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
        let mut ctx = BigNumContext::new()?;
        let point = EcPoint::from_bytes(&group, sec1, &mut ctx)?;
        Ok(!point.is_infinity(&group) && point.is_on_curve(&group, &mut ctx)?)
    };
    check().unwrap_or(false)
}

#[cfg(not(feature = "verify"))]
fn on_p256(_sec1: &[u8]) -> bool {
    true
}

/// A big-endian integer without its leading zero bytes; an absent (negative) one is empty.
fn magnitude(bytes: Option<&[u8]>) -> &[u8] {
    let bytes = bytes.unwrap_or_default();
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    &bytes[zeros..]
}

/// At most 8 big-endian bytes as a number.
fn u64_of(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0, |acc, &b| acc << 8 | u64::from(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ssh_key::public::KeyData;
    use ssh_key::{Mpint, PublicKey};

    // Made with `ssh-keygen -t rsa -b 2048` and `ssh-keygen -t ecdsa -b 256`.
    const RSA: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDuxydMLzHQGWen4lPzCyiv01CtEVi2pVpLHfvLESILxD5H/cEQPRT7MKddva3+VOiBMZOcY1akdoN7lIrh/k+8fKadaw3zh9tHcTrI9o0DLRkILiArPATW95v25vJ3Dtb91LakzhxJvabVYtbikDlJljeKwnanN3L65Wibr2aya1Yis+g1wZa9YcJY1Fj8alJobJEnE7OgQgZw1zhJqu0VHU542QGbTAlxMg4jcYXhl74BwzYXGZbB10jEMSAk95+uYJktXd9pa11WS1DvuFFnyYLrbboYKejyKmlchFjlaz66ev6APAlqaJg6miyZ49LveNC2fc3Ck+NPhsnRI6El rsa@test";
    const P256: &str = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBCvNwvt3MMSGsgKWk/nRaVNYJD9fRHkI6RQLEixE17okKOQsyqoj1bUiYjPK5wT1fo6N667zOfW2ZMpzqCBWvCs= ec@test";

    fn data(line: &str) -> KeyData {
        PublicKey::from_openssh(line).unwrap().key_data().clone()
    }

    /// The real key's modulus (or `n`) with exponent `e`, both big-endian.
    fn rsa(e: &[u8], n: Option<&[u8]>) -> KeyData {
        let KeyData::Rsa(mut k) = data(RSA) else {
            unreachable!()
        };
        if let Some(n) = n {
            k.n = Mpint::from_positive_bytes(n).unwrap();
        }
        k.e = Mpint::from_positive_bytes(e).unwrap();
        KeyData::Rsa(k)
    }

    #[test]
    fn real_keys_are_sound() {
        assert_eq!(problem(&data(RSA)), None);
        assert_eq!(problem(&data(P256)), None);
        assert_eq!(problem(&rsa(&[1, 0, 1], None)), None);
    }

    #[test]
    fn forgeable_rsa_exponents_are_problems() {
        for (e, shown) in [(&[1u8][..], "1"), (&[3], "3"), (&[1, 0, 0], "65536")] {
            let why = problem(&rsa(e, None)).unwrap();
            assert_eq!(
                why,
                format!("RSA key with public exponent {shown} can be forged (tcli accepts an odd exponent of 65537 or more)")
            );
        }
        let KeyData::Rsa(real) = data(RSA) else {
            unreachable!()
        };
        let n = real.n.as_positive_bytes().unwrap().to_vec();
        assert_eq!(
            problem(&rsa(&n, None)).unwrap(),
            "RSA key's public exponent is not smaller than its modulus"
        );
        let mut even = n.clone();
        *even.last_mut().unwrap() &= 0xfe;
        assert_eq!(
            problem(&rsa(&[1, 0, 1], Some(&even))).unwrap(),
            "RSA key has an even modulus, which no real RSA key has"
        );
        assert!(problem(&rsa(&[1, 0, 1], Some(&n[..128])))
            .unwrap()
            .contains("RSA key of 1024 bits is too short"));
    }

    #[test]
    fn ed25519_keys_off_the_curve_or_of_small_order_are_problems() {
        let ed = |bytes: [u8; 32]| problem(&KeyData::Ed25519(Ed25519PublicKey(bytes)));
        // y = 1: the identity.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(ed(identity).unwrap().contains("small order"));
        // y = 2 has no x on the curve.
        let mut off = [0u8; 32];
        off[0] = 2;
        assert_eq!(ed(off).unwrap(), "ed25519 key is not a point of the curve");
    }

    #[cfg(feature = "verify")]
    #[test]
    fn p256_points_off_the_curve_are_problems() {
        let KeyData::Ecdsa(ec) = data(P256) else {
            unreachable!()
        };
        let mut sec1 = ec.as_sec1_bytes().to_vec();
        *sec1.last_mut().unwrap() ^= 1;
        let off = EcdsaPublicKey::from_sec1_bytes(&sec1).unwrap();
        assert_eq!(
            problem(&KeyData::Ecdsa(off)).unwrap(),
            "ECDSA key is not a point of the P-256 curve"
        );
    }
}
