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

    pub(crate) fn is_empty(&self) -> bool {
        match self {
            Self::Token(t) => t.expose_secret().trim().is_empty(),
            Self::AkSk { ak, sk, .. } => ak.trim().is_empty() || sk.expose_secret().is_empty(),
        }
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
        );
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(shown.contains("AK1"));
    }
}
