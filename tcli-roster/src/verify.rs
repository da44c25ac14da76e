//! Verifying one git commit signature against a roster (feature `verify`, the git helper only):
//! an armored SSHSIG (git's `gpg.format = ssh`) over the commit without its `gpgsig` header, in
//! namespace `git`, by a key of the roster. Which roster a commit answers to (its parent's) and
//! what a refusal changes are the helper's business; this file only says yes or why not.

use crate::Roster;
use openssl::bn::BigNum;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use ssh_key::public::{KeyData, RsaPublicKey};
use ssh_key::{Algorithm, HashAlg, SshSig};

/// The SSHSIG namespace git signs commits in (`ssh-keygen -Y sign -n git`).
pub const NAMESPACE: &str = "git";

/// The largest armored signature looked at: an RSA 16384 signature is under 6 KiB, so anything
/// past this is hostile or broken and is refused before it is decoded.
pub const MAX_SIGNATURE: usize = 64 * 1024;

/// Who made a good signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    /// The person's id in the roster.
    pub person: String,
    /// The key's `SHA256:...` fingerprint.
    pub fingerprint: String,
}

/// Why a commit's signature is not accepted. The messages complete "commit X by Y is refused:".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// No signature at all.
    #[error("it is not signed")]
    Unsigned,
    /// The signature block does not decode as an SSH signature.
    #[error("its signature is malformed ({reason})")]
    Malformed {
        /// What is wrong with it.
        reason: String,
    },
    /// A valid SSHSIG made for something other than git commits.
    #[error("its signature is for namespace '{namespace}', not '{NAMESPACE}'")]
    WrongNamespace {
        /// The namespace it names.
        namespace: String,
    },
    /// Signed by a key the roster does not list.
    #[error("it is signed by a key that is not in the team's roster ({fingerprint})")]
    UnknownKey {
        /// The signing key's fingerprint.
        fingerprint: String,
    },
    /// Signed by a key that the commit itself adds to the roster: a key cannot vouch for itself.
    #[error("it is signed by {fingerprint}, a key this same commit adds to the roster (people.{person}); a new key needs the signature of an existing member")]
    SelfAdded {
        /// The signing key's fingerprint.
        fingerprint: String,
        /// Whom the commit lists it for.
        person: String,
    },
    /// Signed by a roster key tcli cannot use: a type it cannot verify, or a key that is not
    /// sound (too short, a forgeable RSA exponent, not a point of its curve).
    #[error("it is signed by people.{person}'s key {fingerprint}, which tcli cannot use: {why}")]
    UnsupportedKey {
        /// The person.
        person: String,
        /// The key's fingerprint.
        fingerprint: String,
        /// Why, as [`crate::Key::unsupported`] says it.
        why: String,
    },
    /// The signature does not match the commit: altered content or a forged block.
    #[error("its signature by people.{person}'s key {fingerprint} does not match its content")]
    BadSignature {
        /// The person whose key it claims.
        person: String,
        /// The key's fingerprint.
        fingerprint: String,
    },
}

impl Roster {
    /// Verifies `armored` (the `gpgsig` header's text) over `payload` (the commit without that
    /// header) against this roster.
    pub fn verify(&self, payload: &[u8], armored: &[u8]) -> Result<Signer, VerifyError> {
        let sig = decode(armored)?;
        if sig.namespace() != NAMESPACE {
            return Err(VerifyError::WrongNamespace {
                // The signer wrote it: no terminal escapes in a refusal.
                namespace: sig
                    .namespace()
                    .chars()
                    .map(|c| if c.is_control() { ' ' } else { c })
                    .take(64)
                    .collect(),
            });
        }
        let fingerprint = sig.public_key().fingerprint(HashAlg::Sha256).to_string();
        let Some((person, key)) = self.key(&fingerprint) else {
            return Err(VerifyError::UnknownKey { fingerprint });
        };
        if let Some(why) = key.unsupported() {
            return Err(VerifyError::UnsupportedKey {
                person: person.id.clone(),
                fingerprint,
                why,
            });
        }
        let good = match key.public.key_data() {
            KeyData::Rsa(rsa) => verify_rsa(rsa, &sig, payload),
            _ => key.public.verify(NAMESPACE, payload, &sig).is_ok(),
        };
        if !good {
            return Err(VerifyError::BadSignature {
                person: person.id.clone(),
                fingerprint,
            });
        }
        Ok(Signer {
            person: person.id.clone(),
            fingerprint,
        })
    }
}

/// An RSA SSHSIG (`rsa-sha2-256` or `rsa-sha2-512`, PKCS #1 v1.5) checked with OpenSSL. The
/// signing key is the roster's (found by the fingerprint of the key the signature names) and the
/// namespace was checked; what is signed is SSHSIG's wrapper around the message's hash.
fn verify_rsa(key: &RsaPublicKey, sig: &SshSig, msg: &[u8]) -> bool {
    let md = match sig.algorithm() {
        Algorithm::Rsa {
            hash: Some(HashAlg::Sha256),
        } => MessageDigest::sha256(),
        Algorithm::Rsa {
            hash: Some(HashAlg::Sha512),
        } => MessageDigest::sha512(),
        // `ssh-rsa` (SHA-1) signatures are refused, as OpenSSH refuses them.
        _ => return false,
    };
    // ssh-keygen leaves the reserved field empty; SshSig::signed_data covers only that case.
    if !sig.reserved().is_empty() {
        return false;
    }
    let Ok(signed) = SshSig::signed_data(NAMESPACE, sig.hash_alg(), msg) else {
        return false;
    };
    let public = || -> Result<_, openssl::error::ErrorStack> {
        let n = BigNum::from_slice(key.n.as_positive_bytes().unwrap_or_default())?;
        let e = BigNum::from_slice(key.e.as_positive_bytes().unwrap_or_default())?;
        PKey::from_rsa(Rsa::from_public_components(n, e)?)
    };
    let Ok(public) = public() else {
        return false;
    };
    openssl::sign::Verifier::new(md, &public)
        .and_then(|mut v| v.verify_oneshot(sig.signature_bytes(), &signed))
        .unwrap_or(false)
}

fn decode(armored: &[u8]) -> Result<SshSig, VerifyError> {
    if armored.is_empty() {
        return Err(VerifyError::Unsigned);
    }
    if armored.len() > MAX_SIGNATURE {
        return Err(VerifyError::Malformed {
            reason: format!(
                "{} bytes; an SSH signature is a few KiB at most",
                armored.len()
            ),
        });
    }
    SshSig::from_pem(armored).map_err(|e| VerifyError::Malformed {
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // Made once with `ssh-keygen -t ed25519` and `ssh-keygen -Y sign -n git|file`; the e2e
    // tests (tests/e2e/signed.rs) sign real commits with every key type at run time.
    const BO: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICoHJ+xeyJFqA/R5OWmfFecnlceraCC3na/8Q1U8KT0l bo@test";
    const BO_FP: &str = "SHA256:uAx/o6ZXNMNjk4SUDFXEQXxx5G+DY+hpNLPhAtIe+zM";
    const MSG: &str = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor Bo <bo@example.com> 1700000000 +0000\ncommitter Bo <bo@example.com> 1700000000 +0000\n\nhello\n";
    const SIG_GIT: &str = "-----BEGIN SSH SIGNATURE-----
U1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAAAAgKgcn7F7IkWoD9Hk5aZ8V5yeVx6
toILedr/xDVTwpPSUAAAADZ2l0AAAAAAAAAAZzaGE1MTIAAABTAAAAC3NzaC1lZDI1NTE5
AAAAQAiS/kA4bAovld/LOx7NTp+6vNqeGZo4Ms7Q1vxuA/88M+iRrKN8s0FlaMzfTQeZnL
qbEbHM3TO+GGc7mNxSkAU=
-----END SSH SIGNATURE-----
";
    const SIG_FILE: &str = "-----BEGIN SSH SIGNATURE-----
U1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAAAAgKgcn7F7IkWoD9Hk5aZ8V5yeVx6
toILedr/xDVTwpPSUAAAAEZmlsZQAAAAAAAAAGc2hhMjU2AAAAUwAAAAtzc2gtZWQyNTUx
OQAAAECZTY67TpiXuujfVyinYGoLpaX1nkVoArDhR1ONUZgpbecDwH/eQJxWjiO1lB8cRb
wJRfiXEtdlc3A6spbHgVAE
-----END SSH SIGNATURE-----
";

    fn roster(keys: &[&str]) -> Roster {
        Roster::from_settings(&json!({"people": {"bo": {"keys": keys}}})).unwrap()
    }

    #[test]
    fn a_good_signature_names_its_signer() {
        let s = roster(&[BO])
            .verify(MSG.as_bytes(), SIG_GIT.as_bytes())
            .unwrap();
        assert_eq!(s.person, "bo");
        assert_eq!(s.fingerprint, BO_FP);
    }

    #[test]
    fn bad_signatures_say_why() {
        let r = roster(&[BO]);
        let altered = MSG.replace("hello", "hellO");
        assert!(matches!(
            r.verify(altered.as_bytes(), SIG_GIT.as_bytes()),
            Err(VerifyError::BadSignature { .. })
        ));
        assert_eq!(
            r.verify(MSG.as_bytes(), SIG_FILE.as_bytes()),
            Err(VerifyError::WrongNamespace {
                namespace: "file".into()
            })
        );
        assert!(matches!(
            r.verify(MSG.as_bytes(), &SIG_GIT.as_bytes()[..120]),
            Err(VerifyError::Malformed { .. })
        ));
        assert_eq!(r.verify(MSG.as_bytes(), b""), Err(VerifyError::Unsigned));
        assert!(matches!(
            r.verify(MSG.as_bytes(), &vec![b'A'; MAX_SIGNATURE + 1]),
            Err(VerifyError::Malformed { .. })
        ));
        assert_eq!(
            Roster::default().verify(MSG.as_bytes(), SIG_GIT.as_bytes()),
            Err(VerifyError::UnknownKey {
                fingerprint: BO_FP.into()
            })
        );
    }
}
