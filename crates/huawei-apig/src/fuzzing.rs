//! Entry points for the fuzz harness (`crates/fuzz`, `cargo xtask fuzz`).
//!
//! **Not a stable API**: hidden from the docs, free to change with the decoders. Each
//! function is a thin wrapper that runs a response through exactly the functions the
//! provider runs on it (after the transport's status check passed), and hands back
//! what they made of it, so the harness fuzzes what users run.

use lb_backends_core::{transport::RawResponse, Backend, Result};

use crate::{record, writes};

/// One member listing page as [`ApigProvider::list_members`](crate::ApigProvider::list_members)
/// decodes it: `decode_page`, which decodes every record as it splits the page
/// (before the listing's de-duplication). Returns the page's `total` and its members.
pub fn list_page(response: &RawResponse) -> Result<(u64, Vec<Backend>)> {
    let page = record::decode_page("ListBackendInstancesV2", response)?;
    Ok((page.total, page.records))
}

/// The answer to `POST .../members` as `add_members` reads it (`answer_records`,
/// then `to_backend` for each record it keeps).
pub fn add_answer(response: &RawResponse) -> Vec<Backend> {
    writes::answer_records(&response.body)
        .iter()
        .map(record::to_backend)
        .collect()
}
