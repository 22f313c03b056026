//! **lb-backends**: see and change the backend servers behind Huawei Cloud and Tencent
//! Cloud load balancers, through one normalized [`Backend`] model and one async
//! [`BackendProvider`] trait.
//!
//! This facade re-exports the core and, behind one feature each, the providers:
//!
//! | feature | module | target |
//! |---|---|---|
//! | `huawei-elb` | [`huawei_elb`] (+ [`huawei`]) | `huawei-elb:POOL_ID` |
//! | `huawei-apig` | `huawei_apig` (+ [`huawei`]) | `huawei-apig:INSTANCE_ID/VPC_CHANNEL_ID` |
//! | `tencent-clb` | `tencent::clb` (legacy), `tencent::v3::clb` (API 3.0) | `tencent-clb:LB_ID[/LISTENER_ID[/LOCATION_ID]]` |
//! | `tencent-bmlb` | `tencent::bmlb` | `tencent-bmlb:LB_ID/LISTENER_ID/DOMAIN_ID/LOCATION_ID` |
//!
//! All are on by default; a program that needs one provider turns the rest off and
//! compiles none of their code. [`Clients`] turns any [`Target`] into a provider.
//!
//! ```no_run
//! use lb_backends::{BackendProviderExt, Clients, Target};
//!
//! # async fn run() -> lb_backends::Result<()> {
//! // Credentials from the clouds' conventional environment variables.
//! let clients = Clients::from_env();
//! let target: Target = "huawei-elb:36ce7086-a496-4666-9064-5ba0e6840c75".parse()?;
//! let provider = clients.provider(&target)?;
//! for backend in provider.collect_all().await? {
//!     println!("{} {:?} {:?}", backend.id, backend.address, backend.health);
//! }
//! # Ok(()) }
//! ```
#![deny(missing_docs)]
#![warn(clippy::unwrap_used, clippy::expect_used)]

mod clients;

pub use clients::Clients;
pub use lb_backends_core::*;

/// Huawei Cloud client, credentials and endpoints (shared by ELB and APIG).
#[cfg(any(feature = "huawei-elb", feature = "huawei-apig"))]
pub use lb_backends_huawei_core as huawei;

/// Huawei ELB v3: members of a backend server group, and the ECS behind each.
#[cfg(feature = "huawei-elb")]
pub use lb_backends_huawei_elb as huawei_elb;

/// Huawei APIG: members of a VPC channel.
#[cfg(feature = "huawei-apig")]
pub use lb_backends_huawei_apig as huawei_apig;

/// Tencent Cloud: CLB and BMLB, on the legacy API and (CLB) API 3.0.
#[cfg(any(feature = "tencent-clb", feature = "tencent-bmlb"))]
pub use lb_backends_tencent as tencent;

/// The README's code, compiled as a doctest so the quick start cannot rot.
#[cfg(all(doctest, feature = "huawei-elb"))]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
