//! How requests prove who sends them. Secrets never reach `Debug` or `Display`.

use std::fmt;

use lb_backends_core::{ExposeSecret, SecretString};

/// Huawei Cloud credentials.
#[derive(Clone)]
#[non_exhaustive]
pub enum Credentials {
    /// A static IAM token sent as `X-Auth-Token` (valid 24 hours).
    Token(SecretString),
    /// An access key pair; every request is signed with `SDK-HMAC-SHA256`.
    AkSk {
        /// The access key id (not secret; it appears in the `Authorization` header).
        ak: String,
        /// The secret access key.
        sk: SecretString,
        /// The security token of temporary credentials (`X-Security-Token`).
        security_token: Option<SecretString>,
    },
    /// An IAM user's password: the client gets a token from IAM
    /// (`POST /v3/auth/tokens`), scoped to the project (or the region's project),
    /// and gets a new one before it expires.
    Password(PasswordCredentials),
}

/// An IAM user, its password and account (domain) name, and an MFA passcode when the
/// user has MFA on.
#[derive(Clone)]
pub struct PasswordCredentials {
    pub(crate) user_name: String,
    pub(crate) password: SecretString,
    pub(crate) domain_name: String,
    pub(crate) mfa: Option<(String, SecretString)>,
}

impl PasswordCredentials {
    /// The IAM user name (not secret).
    pub fn user_name(&self) -> &str {
        &self.user_name
    }

    /// The account (domain) name (not secret).
    pub fn domain_name(&self) -> &str {
        &self.domain_name
    }
}

impl Credentials {
    /// A static IAM token.
    pub fn token(token: impl Into<String>) -> Self {
        Self::Token(SecretString::from(token.into()))
    }

    /// A permanent access key pair.
    pub fn ak_sk(ak: impl Into<String>, sk: impl Into<String>) -> Self {
        Self::AkSk {
            ak: ak.into(),
            sk: SecretString::from(sk.into()),
            security_token: None,
        }
    }

    /// Temporary credentials: an access key pair with its security token.
    pub fn temporary(
        ak: impl Into<String>,
        sk: impl Into<String>,
        security_token: impl Into<String>,
    ) -> Self {
        Self::AkSk {
            ak: ak.into(),
            sk: SecretString::from(sk.into()),
            security_token: Some(SecretString::from(security_token.into())),
        }
    }

    /// An IAM user's password (`HW_USER_NAME`, `HW_PASSWORD`, `HW_DOMAIN_NAME`).
    ///
    /// ```
    /// use lb_backends_huawei_core::Credentials;
    /// let c = Credentials::password("ops", "pa55-SECRET", "acme");
    /// assert!(!format!("{c:?}").contains("SECRET"));
    /// ```
    pub fn password(
        user_name: impl Into<String>,
        password: impl Into<String>,
        domain_name: impl Into<String>,
    ) -> Self {
        Self::Password(PasswordCredentials {
            user_name: user_name.into(),
            password: SecretString::from(password.into()),
            domain_name: domain_name.into(),
            mfa: None,
        })
    }

    /// Add an MFA (virtual MFA device) passcode to password credentials: the token
    /// request then uses the `password` and `totp` methods. `user_id` is the IAM
    /// user's id. Other credentials are returned unchanged.
    #[must_use]
    pub fn with_mfa(self, user_id: impl Into<String>, passcode: impl Into<String>) -> Self {
        match self {
            Self::Password(mut p) => {
                p.mfa = Some((user_id.into(), SecretString::from(passcode.into())));
                Self::Password(p)
            }
            other => other,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        match self {
            Self::Token(t) => t.expose_secret().trim().is_empty(),
            Self::AkSk { ak, sk, .. } => ak.trim().is_empty() || sk.expose_secret().is_empty(),
            Self::Password(p) => {
                p.user_name.trim().is_empty()
                    || p.domain_name.trim().is_empty()
                    || p.password.expose_secret().is_empty()
            }
        }
    }
}

impl fmt::Debug for PasswordCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordCredentials")
            .field("user_name", &self.user_name)
            .field("password", &"[REDACTED]")
            .field("domain_name", &self.domain_name)
            .field("mfa", &self.mfa.as_ref().map(|(id, _)| (id, "[REDACTED]")))
            .finish()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Token(_) => f.write_str("Credentials::Token([REDACTED])"),
            Self::AkSk {
                ak, security_token, ..
            } => f
                .debug_struct("Credentials::AkSk")
                .field("ak", ak)
                .field("sk", &"[REDACTED]")
                .field(
                    "security_token",
                    &security_token.as_ref().map(|_| "[REDACTED]"),
                )
                .finish(),
            Self::Password(p) => write!(f, "Credentials::Password({p:?})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_every_secret() {
        let shown = format!(
            "{:?} {:?}",
            Credentials::token("tok-SECRET"),
            Credentials::temporary("AK1", "sk-SECRET", "st-SECRET")
        ) + &format!(
            "{:?}",
            Credentials::password("u", "pw-SECRET", "d").with_mfa("uid", "123-SECRET")
        );
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(shown.contains("AK1"));
    }
}
