//! What API 3.0 discovery reads of an answer's shape, strictly: the
//! `DescribeLoadBalancers` page (its `LoadBalancerSet` and `TotalCount`, the same in
//! CLB and BMLB) and the nested sets BMLB discovery walks (`ListenerSet`, `RuleSet`,
//! `LocationSet`).
//!
//! A listing is exact or it fails: a record's fields are read leniently by the
//! callers, but a set that is missing, `null` or not an array, or a `TotalCount` that
//! is not a whole number of 0 or more ([`read_count`]), is not read as an empty page or
//! as the end of the listing. The caller ends the listing
//! [`Incomplete`](lb_backends_core::ErrorKind::Incomplete) with the reason given here.
//! The spec (`tencent-api3.md`) marks none of these fields nullable; an empty set is
//! an empty array (`[]`, with a `TotalCount` of 0 for an empty page of load balancers).

use lb_backends_core::{
    lenient::json_kind,
    paging::{read_count, Page, PageGuard},
    Result as LbResult, TargetInfo,
};
use serde_json::Value;

/// One `DescribeLoadBalancers` answer (its `Response`), as discovery pages it.
#[derive(Debug)]
pub(crate) struct LbPage {
    /// `LoadBalancerSet`, as sent.
    pub(crate) set: Vec<Value>,
    /// `TotalCount`.
    pub(crate) total: u64,
}

/// The page of a `DescribeLoadBalancers` answer, or why it cannot be paged.
pub(crate) fn lb_page(answer: &Value) -> Result<LbPage, String> {
    let set = set_of(answer, "LoadBalancerSet")?;
    let sent = &answer["TotalCount"];
    let total = read_count(sent).ok_or_else(|| match sent {
        Value::Null => "TotalCount is missing or null".to_owned(),
        Value::Number(n) => format!("TotalCount {n} is not a count"),
        other => format!("TotalCount is {}, not a count", json_kind(other)),
    })?;
    Ok(LbPage { set, total })
}

/// [`lb_page`] for a discoverer: the page, or the last page of the listing, which
/// ends it [`Incomplete`](lb_backends_core::ErrorKind::Incomplete) saying why.
pub(crate) fn lb_page_or_end<C>(
    answer: &Value,
    guard: &PageGuard,
) -> Result<LbPage, Page<LbResult<TargetInfo>, C>> {
    lb_page(answer).map_err(|why| Page {
        items: vec![Err(
            guard.incomplete(format!("DescribeLoadBalancers: {why}"))
        )],
        next: None,
    })
}

/// The array under `key` of `answer` (a JSON object), or why there is none: missing,
/// `null` or another type is never an empty set.
pub(crate) fn set_of(answer: &Value, key: &str) -> Result<Vec<Value>, String> {
    match answer.get(key) {
        Some(Value::Array(a)) => Ok(a.clone()),
        None | Some(Value::Null) => Err(format!("{key} is missing or null, not a list")),
        Some(other) => Err(format!("{key} is {}, not a list", json_kind(other))),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    #[test]
    fn a_page_is_an_array_and_a_count() {
        let p = lb_page(&json!({"LoadBalancerSet": [{"LoadBalancerId": "lb-1"}], "TotalCount": 1}))
            .unwrap();
        assert_eq!((p.set.len(), p.total), (1, 1));
        let p = lb_page(&json!({"LoadBalancerSet": [], "TotalCount": "0"})).unwrap();
        assert_eq!((p.set.len(), p.total), (0, 0));
        for bad in [
            json!({"TotalCount": 0}),
            json!({"LoadBalancerSet": null, "TotalCount": 0}),
            json!({"LoadBalancerSet": {"0": {}}, "TotalCount": 1}),
            json!({"LoadBalancerSet": "lb-1", "TotalCount": 1}),
            json!({"LoadBalancerSet": []}),
            json!({"LoadBalancerSet": [], "TotalCount": null}),
            json!({"LoadBalancerSet": [], "TotalCount": -1}),
            json!({"LoadBalancerSet": [], "TotalCount": 0.5}),
            json!({"LoadBalancerSet": [], "TotalCount": "many"}),
            json!({"LoadBalancerSet": [], "TotalCount": [0]}),
            json!([]),
        ] {
            assert!(lb_page(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_set_is_never_read_from_another_type() {
        assert!(set_of(&json!({"RuleSet": []}), "RuleSet")
            .unwrap()
            .is_empty());
        let why = set_of(&json!({"RuleSet": 3}), "RuleSet").unwrap_err();
        assert!(why.contains("RuleSet"), "{why}");
        assert!(set_of(&json!({}), "RuleSet").is_err());
        assert!(set_of(&json!("x"), "RuleSet").is_err());
    }
}
