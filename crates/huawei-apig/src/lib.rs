//! Huawei Cloud **APIG** provider of lb-backends: the members of a VPC channel.
//!
//! [`ApigProvider`] implements core's [`BackendProvider`](lb_backends_core::BackendProvider)
//! for [`Target::HuaweiApig`](lb_backends_core::Target::HuaweiApig), over a
//! [`HuaweiClient`](lb_backends_huawei_core::HuaweiClient) (token or AK/SK auth,
//! endpoints and error envelopes come from `huawei-core`).
//!
//! - **List** (`GET /v2/{project_id}/apigw/instances/{instance_id}/vpc-channels/{vpc_channel_id}/members`):
//!   lazily (then fetching ahead), 500 members a request by default, `offset` being an **item** offset.
//!   Members are de-duplicated by id (within the last pages); a `total` that disagrees with the pages ends
//!   the stream with [`ErrorKind::Incomplete`](lb_backends_core::ErrorKind::Incomplete)
//!   after what was read, and the number of requests is bounded (the exact rule is
//!   in `docs/providers/huawei-apig.md` and the `listing` module). Filters:
//!   [`MemberFilter`].
//! - **Get**: APIG has no call to read one member; [`ApigProvider::get_member`]
//!   lists the channel and picks the member out.
//! - **Add** ([`ApigProvider::add_members`], or the trait's `add`): `POST .../members`,
//!   an upsert by address, so it is marked idempotent and safely retried.
//! - **Update**: the member is sent again as listed with the change applied (the
//!   same upsert), never through the whole-set `PUT .../members`, which replaces
//!   every member of the channel and is never called by this crate.
//! - **Remove**: `DELETE .../members/{member_id}`.
//! - **Writes are serialised per channel**: APIG answers concurrent writes to one
//!   channel with `APIG.9999`, so every write holds an async mutex shared by all
//!   providers of this process for that (endpoint, project, instance, channel).
//!   Writers in other processes are not covered.
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use lb_backends_core::{BackendProvider, Port, Target, Weight};
//! use lb_backends_huawei_apig::{ApigMember, ApigProvider, MemberFilter};
//! use lb_backends_huawei_core::HuaweiClient;
//!
//! # async fn demo() -> lb_backends_core::Result<()> {
//! let target: Target =
//!     "huawei-apig:eddc4d25480b4cd6b512f270a1b8b341/56a7d7358e1b42459c9d730d65b14e59".parse()?;
//! let provider = ApigProvider::for_target(HuaweiClient::from_env()?, &target)?;
//!
//! let mut members = provider.list();
//! while let Some(member) = members.try_next().await? {
//!     println!("{} {:?}:{:?} weight {:?}", member.id, member.address, member.port, member.weight);
//! }
//!
//! let added = provider
//!     .add_members(&[ApigMember::host("192.168.0.5".parse().unwrap())
//!         .with_port(Port::new(8080)?)
//!         .with_weight(Weight::new(10)?)])
//!     .await?;
//! let web: Vec<_> = provider
//!     .list_members(&MemberFilter::new().name("web")?)
//!     .try_collect()
//!     .await?;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]
#![warn(clippy::unwrap_used, clippy::expect_used)]

mod discover;
mod filter;
#[doc(hidden)]
pub mod fuzzing;
mod listing;
mod lock;
mod member;
mod names;
mod provider;
mod record;
mod writes;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod testutil;

pub use discover::ApigDiscoverer;
pub use filter::{MemberFilter, PreciseField};
pub use member::{ApigMember, MemberAddress};
pub use provider::{ApigProvider, MAX_PAGE_SIZE};
