//! Values in memory: encrypting one to the roster's keys, decrypting one with the user's key,
//! reading one from stdin or a hidden prompt, and keeping the process from dumping core while
//! one is held. A value lives only in `Zeroizing` buffers sized up front (a growing `Vec`
//! would leave copies behind in freed memory) and is never written anywhere but a pipe, a
//! terminal or a child's environment (docs/secrets.md, "Threat model").

use crate::problem::Problem;
use crate::roster::RosterKey;
use crate::store::{self, Secret};
use std::io::{Read, Write};
use zeroize::Zeroizing;

/// A secret's value.
pub(crate) type Value = Zeroizing<Vec<u8>>;

/// Makes the process undumpable (no core file, no ptrace by other processes of the user)
/// before any value is in memory, and sets its core size limit to 0, soft and hard: with
/// `suid_dumpable` 2 an undumpable process is still dumped, and crash collectors behind a
/// `core_pattern` pipe (systemd-coredump, apport) honour the limit. tcli exits when the module
/// returns, so neither is undone; `exec` hands CMD the 0 limit (as `ulimit -c 0` would).
pub(crate) fn no_core_dumps() {
    use rustix::process::{setrlimit, Resource, Rlimit};
    // Best effort: a kernel without prctl still runs the verb, as ssh-agent does.
    let _ = rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable);
    let _ = setrlimit(
        Resource::Core,
        Rlimit {
            current: Some(0),
            maximum: Some(0),
        },
    );
}

/// The value of `secret`, decrypted with the user's key (unlocked). The error when the key is
/// not among its recipients names who can read it.
pub(crate) fn decrypt(
    secret: &Secret,
    team: &str,
    me: &crate::identity::Me,
) -> Result<Value, Problem> {
    let file = secret.read_age()?;
    let damaged = |why: String| Problem::Damaged {
        path: secret.age.clone(),
        why,
    };
    let decryptor = age::Decryptor::new_buffered(&file[..])
        .map_err(|e| damaged(format!("it is not a valid age file ({e})")))?;
    let identity = me.identity() as &dyn age::Identity;
    let mut reader = match decryptor.decrypt(std::iter::once(identity)) {
        Ok(r) => r,
        Err(age::DecryptError::NoMatchingKeys) => return Err(not_for_me(secret, team, me)),
        Err(e) => return Err(damaged(format!("it cannot be decrypted ({e})"))),
    };
    // The plaintext is shorter than the file, so this buffer never grows.
    let mut value = Zeroizing::new(vec![0u8; file.len().min(store::MAX_VALUE + 1)]);
    let mut len = 0;
    loop {
        if len == value.len() {
            return Err(Problem::TooLarge {
                what: format!("secret '{}'", secret.name),
                limit: store::human(store::MAX_VALUE as u64),
            });
        }
        match reader.read(&mut value[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(damaged(format!("it is truncated or altered ({e})"))),
        }
    }
    value.truncate(len);
    Ok(value)
}

/// The error for a secret not encrypted to `me`, naming who can read it.
fn not_for_me(secret: &Secret, team: &str, me: &crate::identity::Me) -> Problem {
    let readers = match secret.read_sidecar() {
        Ok(entries) => {
            let mut people: Vec<String> = entries.into_iter().map(|e| e.person).collect();
            people.dedup();
            people.join(", ")
        }
        Err(_) => format!("(unknown: {} is unreadable)", secret.sidecar.display()),
    };
    Problem::NotForMe {
        name: secret.name.clone(),
        team: team.to_string(),
        fingerprint: me.fingerprint.clone(),
        identity: me.path.clone(),
        readers,
    }
}

/// Refuses `secret` when its header has no stanza with the tag of `me`'s key: checked before
/// the passphrase is asked, so nobody types one for a file their key cannot open. A header
/// that does not read is left to [`decrypt`], which says what is wrong with the file.
pub(crate) fn for_me(secret: &Secret, team: &str, me: &crate::identity::Me) -> Result<(), Problem> {
    let file = secret.read_age()?;
    let (Ok(h), Some(mine)) = (
        store::header(&secret.age, &file),
        store::tag_of(&me.fingerprint),
    ) else {
        return Ok(());
    };
    if h.ssh_tags.contains(&mine) {
        Ok(())
    } else {
        Err(not_for_me(secret, team, me))
    }
}

/// The value of secret `name` encrypted to every key of `keys`: the bytes of an age file.
pub(crate) fn encrypt(name: &str, value: &[u8], keys: &[RosterKey]) -> Result<Vec<u8>, Problem> {
    let recipients = keys.iter().map(|k| &k.recipient as &dyn age::Recipient);
    let failed = |why: String| Problem::Encrypt {
        name: name.to_string(),
        why,
    };
    let encryptor =
        age::Encryptor::with_recipients(recipients).map_err(|e| failed(e.to_string()))?;
    let mut out = Vec::with_capacity(value.len() + 1024 * (keys.len() + 1));
    let mut writer = encryptor
        .wrap_output(&mut out)
        .map_err(|e| failed(e.to_string()))?;
    writer
        .write_all(value)
        .and_then(|()| writer.finish().map(drop))
        .map_err(|e| failed(e.to_string()))?;
    Ok(out)
}

/// A new value for secret `name`: stdin's exact bytes, or one line typed at a hidden prompt
/// when stdin is a terminal. Refused when empty or larger than [`store::MAX_VALUE`].
pub(crate) fn read_value(name: &str) -> Result<Value, Problem> {
    use std::io::IsTerminal;
    let stdin = std::io::stdin();
    let value = if stdin.is_terminal() {
        let tty = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .map_err(Problem::Terminal)?;
        crate::identity::read_hidden(
            &tty,
            &format!("value for secret '{name}' (typing is not shown): "),
        )
        .map_err(Problem::Terminal)?
    } else {
        let mut buf = Zeroizing::new(vec![0u8; store::MAX_VALUE + 1]);
        let mut len = 0;
        let mut lock = stdin.lock();
        while len < buf.len() {
            match lock.read(&mut buf[len..]) {
                Ok(0) => break,
                Ok(n) => len += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Problem::io("read", "stdin", e)),
            }
        }
        buf.truncate(len);
        buf
    };
    if value.len() > store::MAX_VALUE {
        return Err(Problem::TooLarge {
            what: format!("the value of secret '{name}'"),
            limit: store::human(store::MAX_VALUE as u64),
        });
    }
    if value.is_empty() {
        return Err(Problem::Empty(name.to_string()));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    #[test]
    fn no_core_dumps_sets_the_core_limit_to_zero() {
        super::no_core_dumps();
        let limit = rustix::process::getrlimit(rustix::process::Resource::Core);
        assert_eq!((limit.current, limit.maximum), (Some(0), Some(0)));
        assert_eq!(
            rustix::process::dumpable_behavior().unwrap(),
            rustix::process::DumpableBehavior::NotDumpable
        );
    }
}
