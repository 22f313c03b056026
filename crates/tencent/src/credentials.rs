//! Tencent Cloud API credentials: a `SecretId`, a `SecretKey`, and a session token
//! when the credentials are temporary.

use std::fmt;

use lb_backends_core::{Error, ErrorKind, ExposeSecret, Result, SecretString};

/// The credentials every legacy API call is signed with.
///
/// `Debug` shows only the start of the `SecretId` and never the key or the token.
///
/// ```
/// use lb_backends_tencent::TencentCredentials;
///
/// let creds = TencentCredentials::new(
///     "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
///     "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
/// )?
/// .with_token("a-session-token");
/// let shown = format!("{creds:?}");
/// assert!(!shown.contains("Gu5t9x"));
/// assert!(!shown.contains("a-session-token"));
/// # Ok::<(), lb_backends_core::Error>(())
/// ```
#[derive(Clone)]
pub struct TencentCredentials {
    secret_id: String,
    secret_key: SecretString,
    token: Option<SecretString>,
}

impl TencentCredentials {
    /// Credentials from a `SecretId` and a `SecretKey`.
    ///
    /// Both must be non-empty and free of white space and control characters; an
    /// error names the field, never its value.
    pub fn new(secret_id: impl Into<String>, secret_key: impl Into<String>) -> Result<Self> {
        let secret_id = secret_id.into();
        let secret_key = secret_key.into();
        check_field("SecretId", &secret_id)?;
        check_field("SecretKey", &secret_key)?;
        Ok(Self {
            secret_id,
            secret_key: SecretString::from(secret_key),
            token: None,
        })
    }

    /// Add the session token of temporary credentials (sent as `Token`).
    #[must_use]
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        let token: String = token.into();
        self.token = (!token.is_empty()).then(|| SecretString::from(token));
        self
    }

    /// The `SecretId` (an identifier, not a secret).
    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }

    /// The `SecretKey`.
    pub fn secret_key(&self) -> &SecretString {
        &self.secret_key
    }

    /// The session token, with temporary credentials.
    pub fn token(&self) -> Option<&SecretString> {
        self.token.as_ref()
    }

    pub(crate) fn key_bytes(&self) -> &[u8] {
        self.secret_key.expose_secret().as_bytes()
    }
}

fn check_field(name: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::new(
            ErrorKind::Unauthorized,
            format!("the Tencent Cloud {name} is empty"),
        ));
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::new(
            ErrorKind::Unauthorized,
            format!("the Tencent Cloud {name} contains white space or control characters"),
        ));
    }
    Ok(())
}

/// The first four characters of a `SecretId`, for logs and `Debug`.
pub(crate) fn redact_id(id: &str) -> String {
    let head: String = id.chars().take(4).collect();
    format!("{head}…")
}

impl fmt::Debug for TencentCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TencentCredentials")
            .field("secret_id", &redact_id(&self.secret_id))
            .field("secret_key", &"[redacted]")
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_no_secret() {
        let c = TencentCredentials::new("AKIDsecretidvalue", "the-key-XYZ")
            .unwrap()
            .with_token("tok-ABC");
        let shown = format!("{c:?}");
        assert!(!shown.contains("the-key-XYZ"), "{shown}");
        assert!(!shown.contains("tok-ABC"), "{shown}");
        assert!(!shown.contains("secretidvalue"), "{shown}");
        assert!(shown.contains("AKID…"), "{shown}");
    }

    #[test]
    fn bad_fields_are_named_not_shown() {
        let err = TencentCredentials::new("AKID", "").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unauthorized);
        assert!(err.message().contains("SecretKey"));
        let err = TencentCredentials::new("AKID x", "k").unwrap_err();
        assert!(err.message().contains("SecretId"));
        assert!(!err.message().contains("AKID x"));
    }

    #[test]
    fn empty_token_means_none() {
        let c = TencentCredentials::new("a", "b").unwrap().with_token("");
        assert!(c.token().is_none());
    }
}
