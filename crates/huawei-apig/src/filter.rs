//! [`MemberFilter`]: the query filters of the member listing, checked when set.

use lb_backends_core::{ResourceId, Result};

use crate::names::check_filter;

/// A filter that can be asked to match exactly (`precise_search`) rather than by
/// the service's default fuzzy (substring) match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PreciseField {
    /// The `name` filter.
    Name,
    /// The `member_group_name` filter.
    MemberGroupName,
}

impl PreciseField {
    /// The parameter name as `precise_search` lists it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::MemberGroupName => "member_group_name",
        }
    }
}

/// Filters for [`ApigProvider::list_members`](crate::ApigProvider::list_members).
///
/// Every setter checks its value, so a bad filter fails before any request.
///
/// ```
/// use lb_backends_huawei_apig::{MemberFilter, PreciseField};
///
/// let filter = MemberFilter::new()
///     .name("web-01")?
///     .member_group_name("blue")?
///     .precise(PreciseField::Name);
/// assert_eq!(filter.name_filter(), Some("web-01"));
/// assert!(MemberFilter::new().name("").is_err());
/// assert!(MemberFilter::new().name("x".repeat(65)).is_err());
/// # Ok::<(), lb_backends_core::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberFilter {
    name: Option<String>,
    member_group_name: Option<String>,
    member_group_id: Option<ResourceId>,
    precise: Vec<PreciseField>,
}

impl MemberFilter {
    /// No filter: every member.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only members whose server name matches `name` (`name` query parameter;
    /// a substring match unless [`PreciseField::Name`] is set). 1 to 64 characters,
    /// not blank, no control characters.
    pub fn name(mut self, name: impl Into<String>) -> Result<Self> {
        let name = name.into();
        check_filter("name filter", &name)?;
        self.name = Some(name);
        Ok(self)
    }

    /// Only members of member groups whose name matches (`member_group_name`).
    pub fn member_group_name(mut self, name: impl Into<String>) -> Result<Self> {
        let name = name.into();
        check_filter("member group name filter", &name)?;
        self.member_group_name = Some(name);
        Ok(self)
    }

    /// Only members of this member group (`member_group_id`).
    #[must_use]
    pub fn member_group_id(mut self, id: ResourceId) -> Self {
        self.member_group_id = Some(id);
        self
    }

    /// Match `field` exactly (`precise_search`); may be given for both fields.
    #[must_use]
    pub fn precise(mut self, field: PreciseField) -> Self {
        if !self.precise.contains(&field) {
            self.precise.push(field);
        }
        self
    }

    /// The `name` filter, if set.
    pub fn name_filter(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Whether this filter lets every member through.
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.member_group_name.is_none() && self.member_group_id.is_none()
    }

    /// The query parameters this filter adds, in a stable order.
    pub(crate) fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if let Some(name) = &self.name {
            pairs.push(("name", name.clone()));
        }
        if let Some(name) = &self.member_group_name {
            pairs.push(("member_group_name", name.clone()));
        }
        if let Some(id) = &self.member_group_id {
            pairs.push(("member_group_id", id.to_string()));
        }
        if !self.precise.is_empty() {
            let fields: Vec<&str> = self.precise.iter().map(|f| f.as_str()).collect();
            pairs.push(("precise_search", fields.join(",")));
        }
        pairs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_pairs_are_stable_and_complete() {
        let f = MemberFilter::new()
            .precise(PreciseField::MemberGroupName)
            .member_group_id(ResourceId::new("g-1").unwrap())
            .name("web")
            .unwrap()
            .member_group_name("blue")
            .unwrap()
            .precise(PreciseField::Name)
            .precise(PreciseField::Name);
        assert_eq!(
            f.query_pairs(),
            vec![
                ("name", "web".to_owned()),
                ("member_group_name", "blue".to_owned()),
                ("member_group_id", "g-1".to_owned()),
                ("precise_search", "member_group_name,name".to_owned()),
            ]
        );
        assert!(!f.is_empty());
        assert!(MemberFilter::new().query_pairs().is_empty());
        assert!(MemberFilter::new().is_empty());
    }

    #[test]
    fn bad_filters_fail_when_set() {
        assert!(MemberFilter::new().name(" ").is_err());
        assert!(MemberFilter::new().name("a\tb").is_err());
        assert!(MemberFilter::new().member_group_name("").is_err());
    }
}
