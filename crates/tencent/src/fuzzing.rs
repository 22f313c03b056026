//! Entry points for the fuzz harness (`crates/fuzz`, `cargo xtask fuzz`).
//!
//! **Not a stable API**: hidden from the docs, free to change with the decoders. Each
//! function is a thin wrapper that runs a response through exactly the functions the
//! provider runs on it, and hands back what they made of it, so the harness fuzzes
//! what users run. `response` is the whole answer (any status): the legacy envelope
//! check comes first, as in [`TencentClient::describe`](crate::TencentClient::describe).

#[cfg(any(feature = "clb", feature = "bmlb"))]
use lb_backends_core::{transport::decode_json, Backend};
use lb_backends_core::{transport::RawResponse, Result};
#[cfg(any(feature = "clb", feature = "bmlb"))]
use serde_json::Value;

use crate::envelope;

/// The envelope check every legacy answer of `action` goes through (status,
/// `code`, `codeDesc`; error codes mapped to kinds).
pub fn check(action: &str, response: &RawResponse) -> Result<()> {
    envelope::check(action, response)
}

/// One `DescribeLoadBalancerBackends` page as the CLB listing decodes it: the
/// envelope check, `page_of` (a page it cannot use is `Incomplete`), then
/// `to_backend` for every record (before the listing's de-duplication). Returns
/// `totalCount` as decoded and the backends.
#[cfg(feature = "clb")]
pub fn clb_page(response: &RawResponse) -> Result<(u64, Vec<Backend>)> {
    const ACTION: &str = "DescribeLoadBalancerBackends";
    envelope::check(ACTION, response)?;
    let body: Value = decode_json(ACTION, response)?;
    let page = crate::clb::model::page_of(body).map_err(not_a_page)?;
    let backends = page
        .backend_set
        .into_iter()
        .map(crate::clb::model::to_backend)
        .collect::<Result<Vec<_>>>()?;
    Ok((page.total_count, backends))
}

/// One `backendSet` record as the CLB listing maps it.
#[cfg(feature = "clb")]
pub fn clb_record(record: Value) -> Result<Backend> {
    crate::clb::model::to_backend(record)
}

/// One `DescribeBmLocationBackends` page as the BMLB listing decodes it: the
/// envelope check, `page_of`, then `to_backend` for every binding (before the
/// listing's de-duplication and id qualification).
#[cfg(feature = "bmlb")]
pub fn bmlb_page(response: &RawResponse) -> Result<Vec<Backend>> {
    const ACTION: &str = "DescribeBmLocationBackends";
    envelope::check(ACTION, response)?;
    let body: Value = decode_json(ACTION, response)?;
    let page = crate::bmlb::model::page_of(body).map_err(not_a_page)?;
    page.data
        .into_iter()
        .map(|raw| crate::bmlb::model::to_backend(raw).map(|m| m.backend))
        .collect()
}

/// One `data` binding as the BMLB listing maps it.
#[cfg(feature = "bmlb")]
pub fn bmlb_record(record: Value) -> Result<Backend> {
    crate::bmlb::model::to_backend(record).map(|m| m.backend)
}

/// What the listings make of a page `page_of` refuses: the listing ends incomplete.
#[cfg(any(feature = "clb", feature = "bmlb"))]
fn not_a_page(why: String) -> lb_backends_core::Error {
    lb_backends_core::Error::new(
        lb_backends_core::ErrorKind::Incomplete,
        format!("the response is not a page ({why})"),
    )
}

/// API 3.0 `DescribeTargets` and `DescribeTargetHealth` answers as a listing of
/// `tencent-clb:LB` joins them: both envelopes opened strictly
/// (`v3::envelope::decode`), then the provider's join (listener and rule structure,
/// health keyed by listener, rule, IP and port, duplicates yielded once).
#[cfg(feature = "clb")]
pub fn clb3_join(targets: &RawResponse, health: &RawResponse) -> Result<Vec<Backend>> {
    let t: crate::v3::clb::model::Targets =
        crate::v3::envelope::decode("DescribeTargets", targets)?;
    let h: crate::v3::clb::model::TargetHealthAnswer =
        crate::v3::envelope::decode("DescribeTargetHealth", health)?;
    let client = crate::TencentClient::builder()
        .region("ap-guangzhou")
        .credentials(crate::TencentCredentials::new("AKIDFUZZ", "fuzz")?)
        .build()?;
    let target = lb_backends_core::Target::TencentClb {
        load_balancer_id: lb_backends_core::ResourceId::new("lb-fuzz0001")?,
    };
    crate::v3::clb::ClbV3Provider::for_target(client, &target)?.join(&t, &h)
}

/// An API 3.0 BMLB `DescribeL7Backends` / `DescribeL4Backends` answer as the BMLB
/// listing decodes it: the envelope opened strictly, then every binding mapped
/// (before the listing's de-duplication).
#[cfg(feature = "bmlb")]
pub fn bmlb3_backends(response: &RawResponse) -> Result<Vec<Backend>> {
    let answer: crate::v3::bmlb::Backends =
        crate::v3::envelope::decode("DescribeL7Backends", response)?;
    let scope = serde_json::json!({"LoadBalancerId": "lb-fuzz0001", "ListenerId": "lbl-fuzz0001"});
    Ok(answer
        .set
        .into_iter()
        .filter_map(|r| crate::v3::bmlb::binding_backend(&scope, r))
        .collect())
}
