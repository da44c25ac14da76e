//! The user's SSH private key, which decrypts (docs/secrets.md, "Your key"): `TCLI_IDENTITY`,
//! else `~/.ssh/id_ed25519`, else `~/.ssh/id_rsa`. Its fingerprint is known without the
//! passphrase (OpenSSH keeps the public half in clear), so `list` can say what is readable;
//! the passphrase is asked once, on the terminal, only when a value is decrypted. ssh-agent is
//! never used: an agent signs, it cannot decrypt.

use crate::problem::Problem;
use age::secrecy::SecretString;
use std::io::{Read, Write};
use std::path::PathBuf;
use zeroize::Zeroizing;

/// The variable naming the private key to decrypt with.
pub(crate) const TCLI_IDENTITY: &str = "TCLI_IDENTITY";

/// The user's key, parsed (and decrypted once a passphrase was given).
pub(crate) struct Me {
    pub(crate) path: PathBuf,
    pub(crate) fingerprint: String,
    key: age::ssh::Identity,
}

/// Where the key is: the variable, else the first default file that exists.
fn locate() -> Result<PathBuf, Problem> {
    if let Some(p) = std::env::var_os(TCLI_IDENTITY).filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return if p.exists() {
            Ok(p)
        } else {
            Err(Problem::IdentityMissing(p))
        };
    }
    let ssh = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default()
        .join(".ssh");
    let tried = [ssh.join("id_ed25519"), ssh.join("id_rsa")];
    tried
        .iter()
        .find(|p| p.exists())
        .cloned()
        .ok_or_else(|| Problem::NoIdentity {
            tried: format!(
                "{TCLI_IDENTITY}, {}, {}",
                tried[0].display(),
                tried[1].display()
            ),
        })
}

impl Me {
    /// Finds and parses the key; no passphrase is asked yet.
    pub(crate) fn load() -> Result<Me, Problem> {
        let path = locate()?;
        let bad = |why: String| Problem::BadIdentity {
            path: path.clone(),
            why,
        };
        // Sized up front: a growing buffer would leave copies of the key in freed memory.
        let size = std::fs::metadata(&path).map_or(0, |m| m.len().min(1 << 20) as usize);
        let mut bytes = Zeroizing::new(Vec::with_capacity(size + 1));
        std::fs::File::open(&path)
            .and_then(|f| f.take(size as u64).read_to_end(&mut bytes))
            .map_err(|e| Problem::io("read", &path, e))?;
        let key = age::ssh::Identity::from_buffer(&bytes[..], Some(path.display().to_string()))
            .map_err(|_| bad("it is not an OpenSSH private key".into()))?;
        if let age::ssh::Identity::Unsupported(u) = &key {
            return Err(bad(match u {
                age::ssh::UnsupportedKey::EncryptedPem => {
                    "it is an encrypted PEM key; convert it with 'ssh-keygen -p -o -f KEY'".into()
                }
                age::ssh::UnsupportedKey::EncryptedSsh(c) => {
                    format!("it is encrypted with cipher {c}, which age cannot open")
                }
                age::ssh::UnsupportedKey::Hardware(t) | age::ssh::UnsupportedKey::Type(t) => {
                    format!("its type is {t}; age decrypts with ssh-ed25519 and ssh-rsa keys")
                }
            }));
        }
        let public = age::ssh::Recipient::try_from(key.clone())
            .map_err(|_| bad("its public key cannot be read".into()))?;
        let fingerprint = tcli_roster::parse_key(&public.to_string())
            .map_err(bad)?
            .fingerprint;
        Ok(Me {
            path,
            fingerprint,
            key,
        })
    }

    /// Makes the key able to decrypt: asks for the passphrase of an encrypted key (up to
    /// three tries, like ssh) the first time.
    pub(crate) fn unlock(&mut self) -> Result<(), Problem> {
        if let age::ssh::Identity::Encrypted(enc) = &self.key {
            let mut tries = 0;
            let key = loop {
                let pass = ask_passphrase(&self.path)?;
                match enc.decrypt(pass) {
                    Ok(k) => break k,
                    Err(_) if tries < 2 => {
                        tries += 1;
                        tcli_plugin_sdk::output::status("wrong passphrase, try again");
                    }
                    Err(_) => return Err(Problem::WrongPassphrase(self.path.clone())),
                }
            };
            self.key = age::ssh::Identity::from(key);
        }
        Ok(())
    }

    /// The key to decrypt with; one still encrypted (not [`Me::unlock`]ed) matches no file.
    pub(crate) fn identity(&self) -> &age::ssh::Identity {
        &self.key
    }
}

/// Asks on the controlling terminal, echo off, when the user is at one (stdin or stderr is a
/// terminal); a script or CI without one gets an error rather than a hang.
fn ask_passphrase(path: &std::path::Path) -> Result<SecretString, Problem> {
    use std::io::IsTerminal;
    if !(std::io::stdin().is_terminal() || std::io::stderr().is_terminal()) {
        return Err(Problem::NeedPassphrase(path.to_path_buf()));
    }
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|_| Problem::NeedPassphrase(path.to_path_buf()))?;
    let line = read_hidden(&tty, &format!("passphrase for {}: ", path.display()))
        .map_err(Problem::Terminal)?;
    let text = String::from_utf8(line.to_vec()).map_err(|_| {
        Problem::Terminal(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "the passphrase is not UTF-8",
        ))
    })?;
    Ok(SecretString::from(text))
}

/// Reads one line from `tty` with echo off, after printing `prompt` (once the mode is set, so
/// nothing typed after the prompt appears can be echoed or flushed); the line comes without
/// its newline. The terminal's mode is restored whatever happens: Ctrl-C arrives as a byte
/// (ISIG off) rather than a signal that would end the process with echo still off, and is
/// acted on as SIGINT once the mode is back.
pub(crate) fn read_hidden(
    tty: &std::fs::File,
    prompt: &str,
) -> std::io::Result<Zeroizing<Vec<u8>>> {
    use rustix::termios::{tcgetattr, tcsetattr, LocalModes, OptionalActions, SpecialCodeIndex};
    let saved = tcgetattr(tty)?;
    let mut quiet = saved.clone();
    // Byte by byte (no ICANON), so Ctrl-C is seen as it is typed; erase and kill are done
    // here as the line discipline would.
    quiet
        .local_modes
        .remove(LocalModes::ECHO | LocalModes::ISIG | LocalModes::ICANON);
    quiet.special_codes[SpecialCodeIndex::VMIN] = 1;
    quiet.special_codes[SpecialCodeIndex::VTIME] = 0;
    let code = |i| saved.special_codes[i];
    let (intr, erase, kill, eof) = (
        code(SpecialCodeIndex::VINTR),
        code(SpecialCodeIndex::VERASE),
        code(SpecialCodeIndex::VKILL),
        code(SpecialCodeIndex::VEOF),
    );
    tcsetattr(tty, OptionalActions::Flush, &quiet)?;
    let mut line = Zeroizing::new(Vec::with_capacity(crate::store::MAX_VALUE + 1));
    let mut byte = [0u8; 1];
    let mut interrupted = false;
    let result = (&*tty).write_all(prompt.as_bytes()).and_then(|()| loop {
        match (&*tty).read(&mut byte) {
            Ok(0) => break Ok(()),
            Ok(_) if byte[0] == intr && intr != 0 => {
                interrupted = true;
                break Ok(());
            }
            Ok(_) if byte[0] == b'\n' || byte[0] == b'\r' => break Ok(()),
            Ok(_) if byte[0] == eof && eof != 0 && line.is_empty() => break Ok(()),
            Ok(_) if (byte[0] == erase && erase != 0) || byte[0] == 0x08 => {
                line.pop();
            }
            Ok(_) if byte[0] == kill && kill != 0 => line.clear(),
            Ok(_) if line.len() > crate::store::MAX_VALUE => break Ok(()),
            Ok(_) => line.push(byte[0]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => break Err(e),
        }
    });
    zeroize::Zeroize::zeroize(&mut byte);
    tcsetattr(tty, OptionalActions::Now, &saved)?;
    if !interrupted {
        // What ECHONL printed in canonical mode: the end of the hidden line.
        let _ = (&*tty).write_all(b"\n");
    }
    if interrupted {
        drop(line);
        let _ = (&*tty).write_all(b"^C\n");
        let _ = signal_hook::low_level::emulate_default_handler(signal_hook::consts::SIGINT);
        return Err(std::io::ErrorKind::Interrupted.into());
    }
    result.map(|()| line)
}
