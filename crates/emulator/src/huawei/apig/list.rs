//! `GET .../members`: item-offset paging with the service's clamping, and the
//! `name` / member group filters (rules in the module docs of `apig`).

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::{channel, gate, ApigError, ApigPath};
use crate::fleet::apig::{valid_id, valid_name};
use crate::fleet::ChannelMember;
use crate::huawei::errors::json_response;
use crate::state::{lock, AppState};
use crate::util::query_pairs;

/// The page size when `limit` is absent or 0 or less.
pub(crate) const DEFAULT_LIMIT: usize = 20;
/// The largest page size.
pub(crate) const MAX_LIMIT: usize = 500;

#[derive(Debug)]
struct ListQuery {
    offset: usize,
    limit: usize,
    name: Option<String>,
    group_name: Option<String>,
    group_id: Option<String>,
    precise_name: bool,
    precise_group: bool,
}

fn integer(key: &str, v: &str) -> Result<i64, ApigError> {
    v.trim().parse::<i64>().map_err(|_| ApigError::invalid(key))
}

fn parse(raw: Option<&str>) -> Result<ListQuery, ApigError> {
    let mut q = ListQuery {
        offset: 0,
        limit: DEFAULT_LIMIT,
        name: None,
        group_name: None,
        group_id: None,
        precise_name: false,
        precise_group: false,
    };
    for (k, v) in query_pairs(raw) {
        match k.as_str() {
            "offset" => q.offset = usize::try_from(integer("offset", &v)?.max(0)).unwrap_or(0),
            "limit" => {
                q.limit = match integer("limit", &v)? {
                    n if n <= 0 => DEFAULT_LIMIT,
                    n => usize::try_from(n).unwrap_or(MAX_LIMIT).min(MAX_LIMIT),
                }
            }
            "name" if valid_name(&v) => q.name = Some(v),
            "member_group_name" if valid_name(&v) => q.group_name = Some(v),
            "member_group_id" if valid_id(&v) => q.group_id = Some(v),
            "precise_search" => {
                for field in v.split(',').map(str::trim) {
                    match field {
                        "name" => q.precise_name = true,
                        "member_group_name" => q.precise_group = true,
                        _ => return Err(ApigError::invalid("precise_search")),
                    }
                }
            }
            "name" | "member_group_name" | "member_group_id" => return Err(ApigError::invalid(&k)),
            _ => {}
        }
    }
    Ok(q)
}

fn text_matches(have: Option<&str>, want: &str, precise: bool) -> bool {
    have.is_some_and(|h| if precise { h == want } else { h.contains(want) })
}

impl ListQuery {
    fn matches(&self, m: &ChannelMember) -> bool {
        self.name
            .as_deref()
            .is_none_or(|w| text_matches(m.ecs_name.as_deref(), w, self.precise_name))
            && self
                .group_name
                .as_deref()
                .is_none_or(|w| text_matches(m.member_group_name.as_deref(), w, self.precise_group))
            && self
                .group_id
                .as_deref()
                .is_none_or(|w| m.member_group_id.as_deref() == Some(w))
    }
}

pub(super) async fn list_members(
    State(st): State<AppState>,
    ApigPath((_, instance_id, channel_id)): ApigPath<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApigError> {
    let (total, page) = {
        let mut store = lock(&st.huawei);
        gate(&mut store.apig)?;
        let ch = channel(&mut store.apig, &instance_id, &channel_id)?;
        let q = parse(raw.as_deref())?;
        let matching: Vec<&ChannelMember> = ch.members.iter().filter(|m| q.matches(m)).collect();
        let total = (matching.len() as i64).saturating_add(ch.total_skew).max(0);
        let page: Vec<ChannelMember> = matching
            .into_iter()
            .skip(q.offset)
            .take(q.limit)
            .cloned()
            .collect();
        (total, page)
    };
    Ok(json_response(
        StatusCode::OK,
        &json!({ "total": total, "size": page.len(), "members": page }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_and_limit_are_clamped_like_the_service() {
        let q = parse(Some("offset=-5&limit=0")).unwrap();
        assert_eq!((q.offset, q.limit), (0, DEFAULT_LIMIT));
        let q = parse(Some("offset=40&limit=9999")).unwrap();
        assert_eq!((q.offset, q.limit), (40, MAX_LIMIT));
        let q = parse(None).unwrap();
        assert_eq!((q.offset, q.limit), (0, DEFAULT_LIMIT));
        for bad in [
            "offset=x",
            "limit=1.5",
            "name=a%20b",
            "name=",
            "precise_search=host",
            "member_group_id=a/b",
        ] {
            assert!(parse(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn filters_match_fuzzy_or_precise() {
        let mut m = ChannelMember::ecs("e1", "web-00001");
        m.member_group_name = Some("blue".into());
        let q = parse(Some("name=web")).unwrap();
        assert!(q.matches(&m));
        let q = parse(Some("name=web&precise_search=name")).unwrap();
        assert!(!q.matches(&m));
        let q = parse(Some(
            "name=web-00001&precise_search=name,member_group_name&member_group_name=blue",
        ))
        .unwrap();
        assert!(q.matches(&m));
        assert!(!parse(Some("name=web"))
            .unwrap()
            .matches(&ChannelMember::ip("10.0.0.1")));
    }
}
