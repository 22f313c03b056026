//! Core of **lb-backends**: what every provider crate shares.
//!
//! - [`Backend`]: the normalized record of one backend server, whatever the cloud.
//! - [`Target`]: what to look at (an ELB pool, an APIG VPC channel, a CLB load
//!   balancer, a BMLB forwarding path), with a textual form that parses both ways.
//! - [`BackendProvider`]: the small async trait every provider implements, and
//!   [`BackendProviderExt`] with conveniences built on it once.
//! - [`Error`]: one error type with a matchable [`ErrorKind`], retry classification
//!   and the cloud's own code, message and request id.
//! - [`transport`]: the one place that speaks HTTP (rustls only), with timeouts,
//!   retries, `Retry-After` and a `tracing` span per call.
//! - [`validate`]: input types checked before any byte is sent.
//! - [`lenient`]: forgiving decoding of the clouds' JSON, shared by the providers.
//!
//! ```
//! use lb_backends_core::{Target, ProviderKind};
//!
//! let target: Target = "huawei-apig:eddc4d25480b4cd6b512f270a1b8b341/56a7d7358e1b42459c9d730d65b14e59"
//!     .parse()?;
//! assert_eq!(target.provider(), ProviderKind::HuaweiApig);
//! assert_eq!(target.to_string().parse::<Target>()?, target);
//!
//! // Ids that could escape a URL path never get past parsing.
//! assert!("huawei-elb:../x".parse::<Target>().is_err());
//! # Ok::<(), lb_backends_core::Error>(())
//! ```
#![deny(missing_docs)]
#![warn(clippy::unwrap_used, clippy::expect_used)]

pub mod discover;
pub mod error;
pub mod ext;
pub mod lenient;
pub mod model;
pub mod paging;
pub mod provider;
pub mod target;
pub mod transport;
pub mod validate;
pub mod workflow;

pub use discover::{Discoverer, FilterSupport, Needle, Registration, TargetStream};
pub use error::{Error, ErrorKind, Result};
pub use ext::BackendProviderExt;
pub use model::{
    AdminState, Backend, Health, HealthDetail, InstanceKind, InstanceLookup, InstanceRef,
    InstanceState, ListenerHealth, ProviderKind, RawRecord, TargetInfo,
};
pub use provider::{
    BackendProvider, BackendStream, BackendUpdate, BatchOutcome, Capabilities, NewBackend,
};
pub use secrecy::{ExposeSecret, SecretString};
pub use target::Target;
pub use validate::{BackendName, Endpoint, Port, ResourceId, Weight};
