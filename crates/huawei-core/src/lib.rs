//! Huawei Cloud pieces shared by the ELB and APIG providers of **lb-backends**.
//!
//! - [`HuaweiClient`]: project, region, endpoints and credentials, over one shared
//!   [`HttpTransport`](lb_backends_core::transport::HttpTransport). Build it with
//!   [`HuaweiClient::builder`] or [`HuaweiClient::from_env`].
//! - [`Credentials`]: a static IAM token (`X-Auth-Token`) or an AK/SK pair that signs
//!   every request with `SDK-HMAC-SHA256` ([`signer`]), reproducing the official SDK
//!   byte for byte.
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
pub mod signer;
mod time;

pub use client::{HuaweiClient, HuaweiClientBuilder};
pub use credentials::Credentials;
pub use endpoints::{Endpoints, Service};
