//! Huawei Cloud pieces shared by the ELB and APIG providers of **lb-backends**.
//!
//! - [`HuaweiClient`]: project, region, endpoints and credentials, over one shared
//!   [`HttpTransport`](lb_backends_core::transport::HttpTransport). Build it with
//!   [`HuaweiClient::builder`] or [`HuaweiClient::from_env`].
//! - [`Credentials`]: a static IAM token (`X-Auth-Token`), an AK/SK pair that signs
//!   every request with `SDK-HMAC-SHA256` ([`signer`]), reproducing the official SDK
//!   byte for byte, or an IAM user's password, for which the client gets (and
//!   refreshes) a project-scoped token from IAM.
//! - The project id may be left out: it is discovered from IAM before the first call
//!   ([`HuaweiClient::resolve_project`]).
//! - [`errors`]: every Huawei error envelope into a typed core `Error`.
//!
//! ```
//! use lb_backends_huawei_core::{Credentials, HuaweiClient, Service};
//!
//! let client = HuaweiClient::builder()
//!     .region("cn-north-4")
//!     .project_id("0123456789abcdef0123456789abcdef")
//!     .credentials(Credentials::ak_sk("MYACCESSKEY", "my-secret-key"))
//!     .build()?;
//! assert_eq!(
//!     client.endpoint(Service::Elb).to_string(),
//!     "https://elb.cn-north-4.myhuaweicloud.com"
//! );
//! // Debug output never shows the secret key.
//! assert!(!format!("{client:?}").contains("my-secret-key"));
//! # Ok::<(), lb_backends_core::Error>(())
//! ```
#![deny(missing_docs)]
#![warn(clippy::unwrap_used, clippy::expect_used)]

mod client;
mod credentials;
mod endpoints;
pub mod errors;
mod iam;
pub mod signer;
mod time;

pub use client::{
    password_from, HuaweiClient, HuaweiClientBuilder, ENV_DOMAIN_NAME, ENV_IAM_ENDPOINT,
    ENV_MFA_PASSCODE, ENV_MFA_USER_ID, ENV_PASSWORD, ENV_USER_NAME, PROJECT_PLACEHOLDER,
};
pub use credentials::{Credentials, PasswordCredentials};
pub use endpoints::{Endpoints, Service};
