//! Huawei Cloud **ELB v3** backend servers ("members" of a backend server group,
//! "pool") for **lb-backends**, and the VPC ports lookup that tells which ECS is
//! behind a member.
//!
//! - [`ElbProvider`]: a core [`BackendProvider`](lb_backends_core::BackendProvider)
//!   for `huawei-elb:POOL_ID` targets, with the ELB-specific calls as inherent
//!   methods: [`list_members`](ElbProvider::list_members) with every filter
//!   ([`ListQuery`]), [`create_member`](ElbProvider::create_member) with every field
//!   ([`CreateMember`]) checked before sending and retried safely,
//!   [`find_instance`](ElbProvider::find_instance) (the ECS behind a member).
//! - [`model`]: the wire types, decoded leniently (a field the cloud leaves out,
//!   nulls or mistypes is `None`, never a failure of the whole record).
//!
//! Authentication (token or AK/SK), endpoints, retries and error envelopes come from
//! [`lb_backends_huawei_core::HuaweiClient`].
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use lb_backends_core::{BackendProvider, ResourceId};
//! use lb_backends_huawei_core::HuaweiClient;
//! use lb_backends_huawei_elb::ElbProvider;
//!
//! # async fn demo() -> lb_backends_core::Result<()> {
//! // HUAWEICLOUD_SDK_AK, _SK, _PROJECT_ID and _REGION from the environment.
//! let client = HuaweiClient::from_env()?;
//! let pool = ResourceId::new("36ce7086-a496-4666-9064-5ba0e6840c75")?;
//! let provider = ElbProvider::new(client, pool);
//! let mut members = provider.list();
//! while let Some(member) = members.try_next().await? {
//!     println!("{} {:?}:{:?} {}", member.id, member.address, member.port, member.health.label());
//! }
//! # Ok(()) }
//! ```
#![deny(missing_docs)]
#![warn(clippy::unwrap_used, clippy::expect_used)]

mod batch;
mod create;
mod diagnose;
mod discover;
mod ecs;
#[doc(hidden)]
pub mod fuzzing;
mod list;
mod mapping;
pub mod model;
mod pool;
mod provider;
mod safe_create;

#[cfg(test)]
mod tests;

pub use batch::{MemberRef, MAX_BATCH};
pub use create::{CheckedMember, CreateMember};
pub use diagnose::{Diagnosis, Finding, SUBJECTS};
pub use discover::ElbDiscoverer;
pub use list::ListQuery;
pub use pool::PoolSettings;
pub use provider::ElbProvider;
