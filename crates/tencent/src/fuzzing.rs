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

/// What discovery makes of a set or total it cannot page: the listing ends
/// incomplete (the discoverers name their listing in the message, too).
#[cfg(any(feature = "clb", feature = "bmlb"))]
fn not_pageable(why: String) -> lb_backends_core::Error {
    lb_backends_core::Error::new(lb_backends_core::ErrorKind::Incomplete, why)
}

/// An API 3.0 CLB `DescribeLoadBalancers` answer as CLB discovery reads a page: the
/// envelope opened strictly, `LoadBalancerSet` and `TotalCount` read strictly
/// (`v3::sets::lb_page`: a page it cannot use is `Incomplete`), then every record
/// as a `tencent-clb` target (before the listing's de-duplication). Returns
/// `TotalCount` as decoded and the targets.
#[cfg(feature = "clb")]
pub fn clb3_lbs(response: &RawResponse) -> Result<(u64, Vec<lb_backends_core::TargetInfo>)> {
    let answer: Value = crate::v3::envelope::decode("DescribeLoadBalancers", response)?;
    let page = crate::v3::sets::lb_page(&answer).map_err(not_pageable)?;
    let targets = page
        .set
        .iter()
        .map(|lb| crate::v3::discover::target_info(lb).map(|(info, _)| info))
        .collect::<Result<Vec<_>>>()?;
    Ok((page.total, targets))
}

/// An API 3.0 BMLB `DescribeLoadBalancers` answer as BMLB discovery reads a page:
/// the envelope, `LoadBalancerSet` and `TotalCount` read strictly, then every load
/// balancer's id. Returns `TotalCount` and the ids.
#[cfg(feature = "bmlb")]
pub fn bmlb3_lbs(response: &RawResponse) -> Result<(u64, Vec<lb_backends_core::ResourceId>)> {
    let answer: Value = crate::v3::envelope::decode("DescribeLoadBalancers", response)?;
    let page = crate::v3::sets::lb_page(&answer).map_err(not_pageable)?;
    Ok((page.total, crate::v3::discover_bmlb::lb_ids(&page)?))
}

/// An API 3.0 BMLB `DescribeL7Listeners` or `DescribeL4Listeners` answer as BMLB
/// discovery reads it (the two have the same shape): the envelope, `ListenerSet`
/// read strictly, then every listener's id, each also made the layer-4 target it
/// would be.
#[cfg(feature = "bmlb")]
pub fn bmlb3_listeners(response: &RawResponse) -> Result<Vec<lb_backends_core::ResourceId>> {
    let answer: Value = crate::v3::envelope::decode("DescribeL7Listeners", response)?;
    let listeners = crate::v3::discover_bmlb::listeners_of(&answer, &not_pageable)?;
    let lb = lb_backends_core::ResourceId::new("lb-fuzz0001")?;
    Ok(listeners
        .into_iter()
        .map(|(id, listener)| {
            crate::v3::discover_bmlb::layer4(&lb, id.clone(), &listener);
            id
        })
        .collect())
}

/// An API 3.0 BMLB `DescribeL7Rules` answer as BMLB discovery reads it for one
/// listener (HTTP on port 80 of `lb-fuzz0001`): the envelope, `RuleSet` and each
/// rule's `LocationSet` read strictly, then one `tencent-bmlb` target per location.
#[cfg(feature = "bmlb")]
pub fn bmlb3_rules(response: &RawResponse) -> Result<Vec<lb_backends_core::TargetInfo>> {
    let answer: Value = crate::v3::envelope::decode("DescribeL7Rules", response)?;
    let lb = lb_backends_core::ResourceId::new("lb-fuzz0001")?;
    let listener_id = lb_backends_core::ResourceId::new("lbl-fuzz0001")?;
    let listener = serde_json::json!({"ListenerId": "lbl-fuzz0001", "Protocol": "http", "LoadBalancerPort": 80});
    crate::v3::discover_bmlb::paths(&lb, &listener_id, &listener, &answer, &not_pageable)
}
