//! Entry points for the fuzz harness (`crates/fuzz`, `cargo xtask fuzz`).
//!
//! **Not a stable API**: hidden from the docs, free to change with the decoders. Each
//! function is a thin wrapper that runs a response through exactly the functions the
//! provider runs on it (after the transport's status check passed), and hands back
//! what they made of it, so the harness fuzzes what users run.

use lb_backends_core::{transport::RawResponse, Backend, Error, ErrorKind, InstanceLookup, Result};

use crate::{ecs, mapping, model::VpcPort};

/// One `ListMembers` page as [`ElbProvider::list_members`](crate::ElbProvider::list_members)
/// decodes it: `page_of`, which decodes every member as it splits the page. Returns the members
/// and `page_info.next_marker` as decoded; a `page_info` the listing cannot read
/// (it would end incomplete) is an `Incomplete` error here.
pub fn list_page(response: &RawResponse) -> Result<(Vec<Backend>, Option<String>)> {
    let (members, signal) = mapping::page_of("ListMembers", response)?;
    let members = members.into_iter().collect::<Result<Vec<_>>>()?;
    let signal = signal.map_err(|why| Error::new(ErrorKind::Incomplete, why))?;
    Ok((members, signal.next_marker))
}

/// One `{"member": ...}` answer as `get_member` (`asked` = the id asked for) or
/// `create_member` (`asked` = `None`) decodes it: `member_of`, then `to_backend`.
pub fn show_member(response: &RawResponse, asked: Option<&str>) -> Result<Backend> {
    let raw = mapping::member_of("ShowMember", response)?;
    mapping::to_backend(raw, asked)
}

/// One VPC `ListPorts` page as `find_instance` decodes it.
pub fn ports_page(response: &RawResponse) -> Result<Vec<VpcPort>> {
    ecs::ports_page(response)
}

/// The ECS lookup's choice among `ports` for a member at `address` on `subnet`.
pub fn pick(ports: &[VpcPort], subnet: &str, address: &str) -> InstanceLookup {
    ecs::pick(ports, subnet, address)
}
