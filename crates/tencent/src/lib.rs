//! Tencent Cloud providers for **lb-backends**: API 3.0 (TC3-HMAC-SHA256, JSON; the
//! default, see [`v3`]) and the legacy API (`/v2/index.php`, signature v1).
//!
//! - [`ClbV3Provider`] (feature `clb`, API 3.0): standard and classic CLBs, whole, per
//!   listener or per layer-7 rule, with health; add (by address or instance), weight,
//!   port, remove and native batches on a standard CLB, add and remove on a classic
//!   one (asynchronous tasks, polled); chosen by [`TencentApi::V3`].
//! - [`BmlbV3Provider`] (feature `bmlb`, API 3.0): hosts bound to a BMLB layer-7
//!   location or layer-4 listener; bind, unbind, weight, port (tasks polled).
//! - [`bmlb_provider`] / [`clb_provider`]: the provider a target gets under the
//!   client's [`TencentApi`].

//! - [`TencentClient`]: region, [`TencentCredentials`], endpoints and one shared
//!   HTTP transport; every attempt of every call (retries included) gets a fresh
//!   `Timestamp`, `Nonce` and signature, and every answer is checked against the
//!   `code`/`message`/`codeDesc` envelope (an error under HTTP 200 is still an error).
//! - [`ClbProvider`] (feature `clb`, legacy): the backends of a classic CLB load
//!   balancer; add, weight and remove through the legacy write actions (tasks polled
//!   with `DescribeLoadBalancersTaskResult`).
//! - [`BmlbProvider`] (feature `bmlb`, legacy): the hosts bound to a BMLB forwarding
//!   path, read-only (writes return
//!   [`ErrorKind::Unsupported`](lb_backends_core::ErrorKind::Unsupported)).
//!
//! ```no_run
//! use lb_backends_core::{BackendProviderExt, Target};
//! use lb_backends_tencent::{ClbProvider, TencentClient};
//!
//! # async fn demo() -> lb_backends_core::Result<()> {
//! // TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY, TENCENTCLOUD_REGION
//! let client = TencentClient::from_env()?;
//! let target: Target = "tencent-clb:lb-abcdefgh".parse()?;
//! let clb = ClbProvider::for_target(client, &target)?;
//! for backend in clb.collect_all().await? {
//!     println!("{} {:?} {:?}", backend.id, backend.address, backend.instance);
//! }
//! # Ok(()) }
//! ```
#![deny(missing_docs)]
#![warn(clippy::unwrap_used, clippy::expect_used)]

#[cfg(any(feature = "clb", feature = "bmlb"))]
mod applied_once;
mod builder;
mod client;
mod credentials;
mod dialect;
mod envelope;
#[doc(hidden)]
pub mod fuzzing;
#[cfg(any(feature = "clb", feature = "bmlb"))]
mod listing;
pub mod signer;
#[cfg(all(test, any(feature = "clb", feature = "bmlb")))]
mod testutil;
pub mod v3;

#[cfg(feature = "bmlb")]
pub mod bmlb;
#[cfg(feature = "clb")]
pub mod clb;

#[cfg(feature = "bmlb")]
pub use bmlb::BmlbProvider;
pub use builder::{
    TencentClientBuilder, ENV_REGION, ENV_SECRET_ID, ENV_SECRET_KEY, ENV_SESSION_TOKEN,
};
#[cfg(feature = "clb")]
pub use clb::ClbProvider;
pub use client::{HttpMethod, Service, TencentClient, LEGACY_PATH};
pub use credentials::TencentCredentials;
pub use signer::SignatureMethod;
#[cfg(feature = "bmlb")]
pub use v3::bmlb::BmlbV3Provider;
#[cfg(feature = "bmlb")]
pub use v3::bmlb_provider;
#[cfg(feature = "clb")]
pub use v3::clb::ClbV3Provider;
#[cfg(feature = "clb")]
pub use v3::clb_provider;
#[cfg(feature = "bmlb")]
pub use v3::BmlbDiscoverer;
#[cfg(feature = "clb")]
pub use v3::ClbDiscoverer;
pub use v3::{TencentApi, ENV_TENCENT_API};
