//! Offset paging shared by the legacy listings: where the next page starts, and
//! the listing's [`PageGuard`] (ids seen, the client-side bound).
//!
//! The rules themselves are core's: CLB ends by `totalCount`
//! ([`PageGuard::by_total`]), BMLB (no total) at a page shorter than `limit`; both
//! stop at a page of nothing new or of more than `limit` records.

use std::collections::HashSet;

use lb_backends_core::{lenient::json_kind, paging::PageGuard, Error};
use serde_json::Value;

/// Where the next page starts, and what the listing has seen so far.
#[derive(Debug)]
pub(crate) struct Cursor {
    /// The offset of the page to fetch.
    pub offset: u64,
    /// The checks every listing makes (ids seen, pages, the client-side bound).
    pub guard: PageGuard,
    /// Backend ids handed out (BMLB qualifies a second binding of a host with its
    /// port).
    #[cfg_attr(not(feature = "bmlb"), allow(dead_code))]
    pub ids: HashSet<String>,
}

impl Cursor {
    /// The first page of a listing of `what`, `limit` records a page, at most
    /// `max_records` records.
    pub(crate) fn new(what: &str, limit: u32, max_records: u64) -> Self {
        Self {
            offset: 0,
            guard: PageGuard::new(format!("listing {what}"), limit).with_max_records(max_records),
            ids: HashSet::new(),
        }
    }
}

/// `size` when it is a page size the service takes (1 to `max`).
pub(crate) fn check_page_size(size: u32, max: u32) -> Result<u32, Error> {
    if (1..=max).contains(&size) {
        Ok(size)
    } else {
        Err(Error::invalid_input(format!(
            "page size {size} is out of range: it must be 1 to {max}"
        )))
    }
}

/// The highest weight Tencent takes.
pub(crate) const MAX_WEIGHT: u16 = 100;

/// A weight in Tencent's range, else `None` (the record keeps the value).
pub(crate) fn weight(w: Option<i64>) -> Option<u16> {
    w.and_then(|w| u16::try_from(w).ok())
        .filter(|w| *w <= MAX_WEIGHT)
}

/// The records of a required array of objects `name`.
pub(crate) fn objects(v: Option<Value>, name: &str) -> std::result::Result<Vec<Value>, String> {
    let items = match v {
        Some(Value::Array(items)) => items,
        None => return Err(format!("it has no {name}")),
        Some(other) => return Err(format!("{name} is {}, not an array", json_kind(&other))),
    };
    if let Some((i, bad)) = items.iter().enumerate().find(|(_, r)| !r.is_object()) {
        return Err(format!(
            "{name} record #{i} is {}, not an object",
            json_kind(bad)
        ));
    }
    Ok(items)
}
