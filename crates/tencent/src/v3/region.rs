//! Region ids for API 3.0: the long form (`ap-guangzhou`), with the legacy API's
//! short codes (`gz`, `sh`, `bj`, ...) mapped onto it.
//!
//! API 3.0 documents long region ids only; whether it also takes the short codes is
//! unconfirmed, so they are mapped before any call. The mapping of `gz`, `sh` and
//! `bj` is the one the spec shows; the others follow Tencent's legacy region table
//! and are **unconfirmed** (see `docs/providers/tencent.md`).

use std::borrow::Cow;

use lb_backends_core::{Error, Result};

/// Legacy short code -> API 3.0 region id, and whether the pair is confirmed.
pub const SHORT_CODES: &[(&str, &str, bool)] = &[
    ("gz", "ap-guangzhou", true),
    ("sh", "ap-shanghai", true),
    ("bj", "ap-beijing", true),
    ("cd", "ap-chengdu", false),
    ("cq", "ap-chongqing", false),
    ("nj", "ap-nanjing", false),
    ("tsn", "ap-tianjin", false),
    ("szjr", "ap-shenzhen-fsi", false),
    ("shjr", "ap-shanghai-fsi", false),
    ("bjjr", "ap-beijing-fsi", false),
    ("gzopen", "ap-guangzhou-open", false),
    ("hk", "ap-hongkong", false),
    ("sg", "ap-singapore", false),
    ("th", "ap-bangkok", false),
    ("jkt", "ap-jakarta", false),
    ("in", "ap-mumbai", false),
    ("kr", "ap-seoul", false),
    ("jp", "ap-tokyo", false),
    ("usw", "na-siliconvalley", false),
    ("use", "na-ashburn", false),
    ("ca", "na-toronto", false),
    ("de", "eu-frankfurt", false),
    ("ru", "eu-moscow", false),
    ("sao", "sa-saopaulo", false),
];

/// The API 3.0 region id for `region`: a long id (anything with a `-`) as given, a
/// known short code mapped, anything else an
/// [`InvalidInput`](lb_backends_core::ErrorKind::InvalidInput) error.
///
/// ```
/// use lb_backends_tencent::v3::region::long_region;
/// assert_eq!(long_region("gz")?, "ap-guangzhou");
/// assert_eq!(long_region("ap-singapore")?, "ap-singapore");
/// assert!(long_region("xx").is_err());
/// # Ok::<(), lb_backends_core::Error>(())
/// ```
pub fn long_region(region: &str) -> Result<Cow<'_, str>> {
    if region.contains('-') {
        return Ok(Cow::Borrowed(region));
    }
    SHORT_CODES
        .iter()
        .find(|(short, _, _)| short.eq_ignore_ascii_case(region))
        .map(|(_, long, _)| Cow::Borrowed(*long))
        .ok_or_else(|| {
            Error::invalid_input(format!(
                "region {region:?} is not an API 3.0 region id (e.g. ap-guangzhou) nor a \
                 known legacy short code (gz, sh, bj, ...)"
            ))
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn short_codes_map_and_long_ids_pass() {
        assert_eq!(long_region("sh").unwrap(), "ap-shanghai");
        assert_eq!(long_region("BJ").unwrap(), "ap-beijing");
        assert_eq!(long_region("na-ashburn").unwrap(), "na-ashburn");
        assert!(long_region("atlantis").is_err());
        let mut seen = std::collections::HashSet::new();
        for (short, long, _) in SHORT_CODES {
            assert!(seen.insert(*short), "{short} twice");
            assert!(long.contains('-'));
        }
    }
}
