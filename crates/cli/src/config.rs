//! The config file: `[profile.NAME]` tables with a region, a project id, credentials
//! (or the names of the variables that hold them) and endpoints.
//!
//! A file that holds a secret inline must be readable by its owner only.

use std::{
    collections::BTreeMap,
    fmt,
    io::Read,
    path::{Path, PathBuf},
};

use lb_backends::{Error, ErrorKind, ExposeSecret, Result, SecretString};
use serde::Deserialize;

/// The largest config file read (a profile is a few hundred bytes).
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// Read a small text file that the user named: only a regular file (a FIFO would
/// block forever, `/dev/zero` never ends), of at most `max` bytes. `what` names it in
/// errors ("config file"), which are invalid input (exit code 2).
pub fn read_regular_file(path: &Path, what: &str, max: u64) -> Result<String> {
    let cannot =
        |why: String| Error::invalid_input(format!("cannot read {what} {}: {why}", path.display()));
    let not_regular = || cannot("not a regular file".to_owned());
    // Checked before opening: opening a FIFO blocks until someone writes to it.
    if !std::fs::metadata(path)
        .map_err(|e| cannot(e.to_string()))?
        .is_file()
    {
        return Err(not_regular());
    }
    let file = std::fs::File::open(path).map_err(|e| cannot(e.to_string()))?;
    // And again on what was opened, in case the path changed in between.
    if !file
        .metadata()
        .map_err(|e| cannot(e.to_string()))?
        .is_file()
    {
        return Err(not_regular());
    }
    let mut bytes = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| cannot(e.to_string()))?;
    if bytes.len() as u64 > max {
        return Err(cannot(format!("larger than {max} bytes")));
    }
    String::from_utf8(bytes).map_err(|_| cannot("not UTF-8 text".to_owned()))
}

/// Read an environment variable; unset and empty are the same.
pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// A secret read from the config file; never shown.
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    /// The value, for handing to a credentials type.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Ok(Self(SecretString::from(String::deserialize(d)?)))
    }
}

/// Per-service endpoints of a profile.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceEndpoints {
    /// Huawei ELB.
    pub elb: Option<String>,
    /// Huawei VPC (the ECS lookup behind `get --instance`).
    pub vpc: Option<String>,
    /// Huawei APIG.
    pub apig: Option<String>,
    /// Tencent CLB.
    pub clb: Option<String>,
    /// Tencent BMLB.
    pub bmlb: Option<String>,
}

/// One `[profile.NAME]`: one cloud account. Keys of the other cloud are ignored.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Region.
    pub region: Option<String>,
    /// Huawei project id.
    pub project_id: Option<String>,
    /// Every API of the provider at this base URL.
    pub endpoint: Option<String>,
    /// Per-service base URLs (after `endpoint`).
    #[serde(default)]
    pub endpoints: ServiceEndpoints,

    /// Huawei access key id.
    pub ak: Option<String>,
    /// Variable holding the Huawei access key id.
    pub ak_env: Option<String>,
    /// Huawei secret access key (a secret).
    pub sk: Option<Secret>,
    /// Variable holding the Huawei secret access key.
    pub sk_env: Option<String>,
    /// Huawei security token of temporary credentials (a secret).
    pub security_token: Option<Secret>,
    /// Variable holding the Huawei security token.
    pub security_token_env: Option<String>,
    /// Huawei IAM token, sent as `X-Auth-Token` (a secret).
    pub token: Option<Secret>,
    /// Variable holding the Huawei IAM token.
    pub token_env: Option<String>,
    /// Huawei IAM user name (password tokens; with `password` and `domain_name`).
    pub user_name: Option<String>,
    /// Huawei IAM user's password (a secret).
    pub password: Option<Secret>,
    /// Variable holding the Huawei IAM user's password.
    pub password_env: Option<String>,
    /// Huawei account (domain) name of the IAM user.
    pub domain_name: Option<String>,
    /// Huawei IAM user id, for an MFA passcode.
    pub mfa_user_id: Option<String>,
    /// Variable holding a one-time Huawei MFA passcode.
    pub mfa_passcode_env: Option<String>,

    /// Tencent `SecretId`.
    pub secret_id: Option<String>,
    /// Variable holding the Tencent `SecretId`.
    pub secret_id_env: Option<String>,
    /// Tencent `SecretKey` (a secret).
    pub secret_key: Option<Secret>,
    /// Variable holding the Tencent `SecretKey`.
    pub secret_key_env: Option<String>,
    /// Tencent session token of temporary credentials (a secret).
    pub session_token: Option<Secret>,
    /// Variable holding the Tencent session token.
    pub session_token_env: Option<String>,
    /// Tencent API generation: `legacy` or `3`.
    pub tencent_api: Option<String>,

    /// Waiters: longest wait unless `--wait-timeout` says (`5m`).
    pub wait_timeout: Option<String>,
    /// Waiters: time between polls unless `--interval` says (`5s`).
    pub wait_interval: Option<String>,
}

impl Profile {
    /// The names of the secrets this profile holds inline.
    fn inline_secrets(&self) -> Vec<&'static str> {
        [
            ("sk", self.sk.is_some()),
            ("security_token", self.security_token.is_some()),
            ("token", self.token.is_some()),
            ("password", self.password.is_some()),
            ("secret_key", self.secret_key.is_some()),
            ("session_token", self.session_token.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect()
    }
}

/// A value the profile gives inline or through a variable it names.
pub fn plain_or_env(
    profile: &NamedProfile<'_>,
    value: &Option<String>,
    env: &Option<String>,
    key: &str,
) -> Result<Option<String>> {
    if let Some(v) = value {
        return Ok(Some(v.clone()));
    }
    lookup_named(profile, env, key)
}

/// A secret the profile gives inline or through a variable it names.
pub fn secret_or_env(
    profile: &NamedProfile<'_>,
    value: &Option<Secret>,
    env: &Option<String>,
    key: &str,
) -> Result<Option<String>> {
    if let Some(v) = value {
        return Ok(Some(v.expose().to_owned()));
    }
    lookup_named(profile, env, key)
}

fn lookup_named(
    profile: &NamedProfile<'_>,
    env: &Option<String>,
    key: &str,
) -> Result<Option<String>> {
    match env {
        None => Ok(None),
        Some(var) => env_var(var).map(Some).ok_or_else(|| {
            Error::new(
                ErrorKind::Unauthorized,
                format!(
                    "profile {:?} takes {key} from the variable {var}, which is not set",
                    profile.name
                ),
            )
        }),
    }
}

/// A profile and its name.
#[derive(Debug, Clone, Copy)]
pub struct NamedProfile<'a> {
    /// The profile's name.
    pub name: &'a str,
    /// Its settings.
    pub profile: &'a Profile,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    profile: BTreeMap<String, Profile>,
}

/// The loaded config file (empty when there is none).
#[derive(Debug, Default)]
pub struct Config {
    path: Option<PathBuf>,
    profiles: BTreeMap<String, Profile>,
}

impl Config {
    /// Where the config file is: `LBB_CONFIG`, else
    /// `$XDG_CONFIG_HOME/lb-backends/config.toml`, else `~/.config/lb-backends/config.toml`.
    pub fn default_path() -> Option<PathBuf> {
        if let Some(p) = env_var("LBB_CONFIG") {
            return Some(PathBuf::from(p));
        }
        let base = env_var("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| env_var("HOME").map(|h| Path::new(&h).join(".config")))?;
        Some(base.join("lb-backends").join("config.toml"))
    }

    /// Load the config file at its default path, if it exists.
    pub fn load() -> Result<Self> {
        match Self::default_path() {
            Some(path) if path.exists() => Self::from_file(&path),
            _ => Ok(Self::default()),
        }
    }

    /// Load and check a config file.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = read_regular_file(path, "config file", MAX_CONFIG_BYTES)?;
        let file: ConfigFile = parse_toml(&text, path)?;
        let config = Self {
            path: Some(path.to_owned()),
            profiles: file.profile,
        };
        config.check_permissions(path)?;
        Ok(config)
    }

    fn check_permissions(&self, path: &Path) -> Result<()> {
        let secrets: Vec<String> = self
            .profiles
            .iter()
            .flat_map(|(name, p)| {
                p.inline_secrets()
                    .into_iter()
                    .map(move |s| format!("profile.{name}.{s}"))
            })
            .collect();
        if secrets.is_empty() {
            return Ok(());
        }
        if let Some(mode) = shared_mode(path)? {
            return Err(Error::new(
                ErrorKind::Forbidden,
                format!(
                    "config file {} holds a secret ({}) but others may read it (mode {mode:04o}); \
                     run `chmod 600 {}`, or name a variable instead (e.g. sk_env = \"MY_SK\")",
                    path.display(),
                    secrets.join(", "),
                    path.display()
                ),
            ));
        }
        Ok(())
    }

    /// The names of the profiles, in order (for `--all-profiles`).
    pub fn profile_names(&self) -> Vec<String> {
        self.profiles.keys().cloned().collect()
    }

    /// The profile to use: `name` when given (an error when the file has none by
    /// that name), else `default` when the file has one.
    pub fn profile(&self, name: Option<&str>) -> Result<Option<NamedProfile<'_>>> {
        match name {
            Some(name) => self
                .profiles
                .get_key_value(name)
                .map(|(name, profile)| Some(NamedProfile { name, profile }))
                .ok_or_else(|| {
                    let place = self.path.as_ref().map_or_else(
                        || "no config file was found (see LBB_CONFIG)".to_owned(),
                        |p| format!("{} has none", p.display()),
                    );
                    Error::invalid_input(format!("no profile {name:?}: {place}"))
                }),
            None => Ok(self
                .profiles
                .get_key_value("default")
                .map(|(name, profile)| NamedProfile { name, profile })),
        }
    }
}

/// The mode bits that let group or others read, when any are set (Unix only).
#[cfg(unix)]
fn shared_mode(path: &Path) -> Result<Option<u32>> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| Error::invalid_input(format!("cannot stat {}: {e}", path.display())))?
        .permissions()
        .mode()
        & 0o777;
    Ok((mode & 0o077 != 0).then_some(mode))
}

#[cfg(not(unix))]
fn shared_mode(_path: &Path) -> Result<Option<u32>> {
    Ok(None)
}

/// The `[defaults]` of a fleet or desired-state file: the connection settings its
/// targets start from.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    profile: Option<String>,
    region: Option<String>,
    project_id: Option<String>,
    endpoint: Option<String>,
}

impl From<FileSettings> for crate::connect::Settings {
    fn from(s: FileSettings) -> Self {
        Self {
            profile: s.profile,
            region: s.region,
            project_id: s.project_id,
            endpoint: s.endpoint,
            tencent_api: None,
        }
    }
}

/// Parse a TOML file into `T`. The error names the line and the problem, never the
/// text of the line (it may hold a secret).
pub fn parse_toml<T: serde::de::DeserializeOwned>(text: &str, path: &Path) -> Result<T> {
    toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .and_then(|s| text.get(..s.start))
            .map(|before| before.matches('\n').count() + 1);
        let place = line.map_or_else(String::new, |l| format!(" line {l}:"));
        Error::invalid_input(format!(
            "{}:{place} {}",
            path.display(),
            scrub(e.message().trim())
        ))
    })
}

/// Drop the value from serde's "invalid type: string \"...\", expected ..." messages.
fn scrub(message: &str) -> String {
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            let expected = rest
                .find(", expected")
                .map_or("", |i| &rest[i..])
                .to_owned();
            let what = rest.split_whitespace().next().unwrap_or("value");
            return format!("{prefix}{what}{expected}");
        }
    }
    message.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, text: &str, mode: u32) -> PathBuf {
        let path = dir.join("config.toml");
        std::fs::write(&path, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        let _ = mode;
        path
    }

    #[test]
    fn profiles_load_and_default_is_picked() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "[profile.default]\nregion = \"cn-north-4\"\nak = \"AK\"\nsk_env = \"X_SK\"\n\
             [profile.tc]\nregion = \"gz\"\nsecret_id = \"AKID\"\n[profile.tc.endpoints]\nclb = \"https://clb.example\"\n",
            0o644,
        );
        let config = Config::from_file(&path).unwrap();
        let p = config.profile(None).unwrap().unwrap();
        assert_eq!(p.name, "default");
        assert_eq!(p.profile.region.as_deref(), Some("cn-north-4"));
        let tc = config.profile(Some("tc")).unwrap().unwrap();
        assert_eq!(
            tc.profile.endpoints.clb.as_deref(),
            Some("https://clb.example")
        );
        let err = config.profile(Some("nope")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }

    #[cfg(unix)]
    #[test]
    fn a_readable_file_with_a_secret_is_refused_without_showing_it() {
        let dir = tempfile::tempdir().unwrap();
        let text = "[profile.default]\nak = \"AK\"\nsk = \"sk-VERY-SECRET\"\n";
        let path = write(dir.path(), text, 0o640);
        let err = Config::from_file(&path).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Forbidden);
        assert!(err.message().contains("profile.default.sk"), "{err}");
        assert!(err.message().contains("chmod 600"), "{err}");
        assert!(!err.to_string().contains("VERY-SECRET"));
        let path = write(dir.path(), text, 0o600);
        assert!(Config::from_file(&path).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn only_regular_files_of_a_sane_size_are_read() {
        let dir = tempfile::tempdir().unwrap();
        // A FIFO would block the read forever; /dev/zero would never end.
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        for path in [fifo.as_path(), Path::new("/dev/zero"), dir.path()] {
            let err = Config::from_file(path).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
            assert!(err.message().contains("not a regular file"), "{err}");
        }
        let big = dir.path().join("big.toml");
        std::fs::write(&big, "#".repeat(MAX_CONFIG_BYTES as usize + 1)).unwrap();
        let err = Config::from_file(&big).unwrap_err();
        assert!(err.message().contains("larger than"), "{err}");
        std::fs::write(&big, "#".repeat(MAX_CONFIG_BYTES as usize)).unwrap();
        assert!(Config::from_file(&big).is_ok());
    }

    #[test]
    fn syntax_errors_name_the_line_not_its_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "[profile.a]\nregion = \"x\"\nsk = \"sk-VERY-SECRET\nak = 1\n",
            0o600,
        );
        let err = Config::from_file(&path).unwrap_err();
        assert!(err.message().contains("line 3"), "{err}");
        assert!(!err.to_string().contains("VERY-SECRET"), "{err}");

        let path = write(dir.path(), "[profile.a]\nsk = 12345678\n", 0o600);
        let err = Config::from_file(&path).unwrap_err();
        assert!(!err.to_string().contains("12345678"), "{err}");

        let path = write(dir.path(), "[profile.a]\nsecret_ky = \"x\"\n", 0o600);
        let err = Config::from_file(&path).unwrap_err();
        assert!(err.message().contains("secret_ky"), "{err}");
    }
}
