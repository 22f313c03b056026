//! Every decoder under test, the seeds it starts from, and the invariants checked
//! on what it makes of a body. The decoders are called through each provider
//! crate's hidden `fuzzing` module, so what is fuzzed is what the providers run.
//!
//! Invariants (names as reported; `docs/reliability.md` has the table):
//!
//! - `no-panic`: checked by the runner for every decoder.
//! - `records<=objects`: a decoded page holds no more records than the body holds
//!   JSON objects (`{` outside strings).
//! - `record-is-object`: every decoded record came from a JSON object (its `raw`
//!   is an object), never from an array or a scalar.
//! - `id-from-body`: every id is non-empty and no longer than the body (it cannot
//!   have come from anywhere else); the ELB `get` fallback id is the one asked for.
//! - `status`: an answer with a non-2xx status never decodes as a success.
//! - `success-signal` (Tencent): an answer decoded as a success is a JSON object
//!   whose `code` is a whole number equal to 0, or absent with `codeDesc` `"Success"`
//!   (not checked when the body is not JSON to `serde_json::Value`).
//! - `total-signal` (CLB): a `totalCount` that is present and not `null` is decoded
//!   as that whole number; it is never read as "no total". (API 3.0 discovery
//!   pages, `tencent3-clb-lbs` and `tencent3-bmlb-lbs`: a page is accepted only with
//!   a `TotalCount` that is a whole number, decoded as that number.)
//! - `set-signal` (API 3.0 discovery): an accepted answer's set (`LoadBalancerSet`,
//!   `ListenerSet`, `RuleSet` and each rule's `LocationSet`) is an array, and one
//!   record was handed over for each of its elements: a set is never read from
//!   another type, `null` or nothing, and no element is dropped.
//! - `end-signal` (ELB): a page decoded as a success has `page_info` absent, `null`
//!   or an object, and `next_marker` absent, `null` or a string: "more follows" is
//!   never read as "end" because of a type.
//! - `raw-is-record` (ELB and APIG pages; the `settings` of the targets of
//!   `tencent3-clb-lbs` and `tencent3-bmlb-rules`): every record's `raw` is the JSON
//!   value of the body's record it was decoded from, in order (when the body is JSON
//!   to `serde_json::Value`).
//! - `split-agrees` (the one-pass page reader, `paging::split_page`): a page it reads
//!   is JSON to `serde_json::Value`, an object with no key twice, and each record it
//!   hands over is, in order, the body's record as a value and a slice of the body
//!   (byte-exact); its other keys are the body's other keys, as values.
//! - `guess-is-plain` (`paging::tail_string`, ELB's guess of the next marker): a
//!   guess is 1 to 256 bytes of the body's last 4096, without a quote or an escape,
//!   right after `"next_marker"`, a colon and a quote (blanks aside).
//! - `guess-agrees`: where the body is JSON that names `"next_marker"` once, with no
//!   escape anywhere, and its `page_info.next_marker` is a string, the guess is it.
//! - `error-status` (Huawei errors): the typed error keeps the HTTP status, and its
//!   code and request id are no longer than the body or the header they came from.

use http::{HeaderMap, HeaderValue};
use lb_backends_core::{lenient, transport::RawResponse, Backend, InstanceLookup};
use serde_json::Value;

use crate::rng::Rng;

/// A broken invariant: its name and what was seen.
pub type Violation = (&'static str, String);

/// What one decoder made of one body.
#[derive(Debug, Default)]
pub struct Verdict {
    /// The decoder accepted the body (decoded it as a success).
    pub accepted: bool,
    /// Records decoded.
    pub records: usize,
    /// Invariants broken.
    pub violations: Vec<Violation>,
}

/// Which statuses a decoder is fed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Statuses {
    /// Only 200: the decoder runs after the transport's status check.
    Success,
    /// Mostly 200, sometimes any other: the decoder checks the status itself.
    Mixed,
    /// Only failures: an error-envelope decoder.
    Failure,
}

/// One decoder under test.
#[derive(Debug)]
pub struct Decoder {
    /// The name used on the command line and in reports.
    pub name: &'static str,
    /// The provider function it runs (through the provider's `fuzzing` module).
    pub calls: &'static str,
    /// Seed bodies (JSON text).
    pub seeds: &'static [&'static str],
    /// Statuses fed.
    pub statuses: Statuses,
    /// Decode one response and check the invariants.
    pub run: fn(&RawResponse, &mut Rng) -> Verdict,
}

macro_rules! seed {
    ($file:literal) => {
        include_str!(concat!("../corpus/", $file))
    };
}

/// Every decoder, in report order.
pub const DECODERS: &[Decoder] = &[
    Decoder {
        name: "elb-page",
        calls: "lb_backends_huawei_elb::fuzzing::list_page (mapping::page_of + mapping::to_backend)",
        seeds: &[seed!("elb-page.json"), seed!("elb-page-last.json")],
        statuses: Statuses::Success,
        run: elb_page,
    },
    Decoder {
        name: "elb-member",
        calls: "lb_backends_huawei_elb::fuzzing::show_member (mapping::member_of + mapping::to_backend)",
        seeds: &[seed!("elb-member.json")],
        statuses: Statuses::Success,
        run: elb_member,
    },
    Decoder {
        name: "page-split",
        calls: "lb_backends_core::paging::split_page (the one-pass page reader of ELB and APIG)",
        seeds: &[
            seed!("elb-page.json"),
            seed!("elb-page-last.json"),
            seed!("apig-page.json"),
        ],
        statuses: Statuses::Success,
        run: page_split,
    },
    Decoder {
        name: "page-tail-guess",
        calls: "lb_backends_core::paging::tail_string (ELB's guess of the next marker, to send the next request before a page is decoded)",
        seeds: &[seed!("elb-page.json"), seed!("elb-page-last.json")],
        statuses: Statuses::Success,
        run: page_tail_guess,
    },
    Decoder {
        name: "vpc-ports",
        calls: "lb_backends_huawei_elb::fuzzing::ports_page + pick (ecs::ports_page, ecs::pick)",
        seeds: &[seed!("vpc-ports.json")],
        statuses: Statuses::Success,
        run: vpc_ports,
    },
    Decoder {
        name: "apig-page",
        calls: "lb_backends_huawei_apig::fuzzing::list_page (record::decode_page + record::to_backend)",
        seeds: &[seed!("apig-page.json")],
        statuses: Statuses::Success,
        run: apig_page,
    },
    Decoder {
        name: "apig-add-answer",
        calls: "lb_backends_huawei_apig::fuzzing::add_answer (writes::answer_records + record::to_backend)",
        seeds: &[seed!("apig-add.json")],
        statuses: Statuses::Success,
        run: apig_add_answer,
    },
    Decoder {
        name: "huawei-error",
        calls: "lb_backends_huawei_core::errors::error_from_response",
        seeds: &[
            seed!("huawei-error-elb.json"),
            seed!("huawei-error-code.json"),
            seed!("huawei-error-nested.json"),
            seed!("huawei-error-apig.json"),
        ],
        statuses: Statuses::Failure,
        run: huawei_error,
    },
    Decoder {
        name: "tencent-envelope",
        calls: "lb_backends_tencent::fuzzing::check (envelope::check)",
        seeds: &[
            seed!("clb-page.json"),
            seed!("bmlb-page.json"),
            seed!("tencent-error.json"),
            seed!("tencent-error-bmlb.json"),
            seed!("tencent-throttled.json"),
        ],
        statuses: Statuses::Mixed,
        run: tencent_envelope,
    },
    Decoder {
        name: "tencent3-envelope",
        calls: "lb_backends_tencent::v3::envelope::open (API 3.0: status, Response, Error, RequestId)",
        seeds: &[
            seed!("tencent3-clb_describe_targets.json"),
            seed!("tencent3-clb_describe_target_health.json"),
            seed!("tencent3-clb_describe_task_status_success.json"),
            seed!("tencent3-clb_batch_register_targets_partial.json"),
            seed!("tencent3-error_request_limit_exceeded.json"),
            seed!("tencent3-error_auth_signature_expire.json"),
        ],
        statuses: Statuses::Mixed,
        run: tencent3_envelope,
    },
    Decoder {
        name: "clb-page",
        calls: "lb_backends_tencent::fuzzing::clb_page (envelope::check + clb::model::BackendsPage + clb::model::to_backend)",
        seeds: &[seed!("clb-page.json"), seed!("tencent-error.json")],
        statuses: Statuses::Mixed,
        run: clb_page,
    },
    Decoder {
        name: "clb-record",
        calls: "lb_backends_tencent::fuzzing::clb_record (clb::model::to_backend)",
        seeds: &[seed!("clb-record.json")],
        statuses: Statuses::Success,
        run: clb_record,
    },
    Decoder {
        name: "bmlb-page",
        calls: "lb_backends_tencent::fuzzing::bmlb_page (envelope::check + bmlb::model::BindingsPage + bmlb::model::to_backend)",
        seeds: &[seed!("bmlb-page.json"), seed!("tencent-error-bmlb.json")],
        statuses: Statuses::Mixed,
        run: bmlb_page,
    },
    Decoder {
        name: "bmlb-record",
        calls: "lb_backends_tencent::fuzzing::bmlb_record (bmlb::model::to_backend)",
        seeds: &[seed!("bmlb-record.json")],
        statuses: Statuses::Success,
        run: bmlb_record,
    },
    Decoder {
        name: "tencent3-targets-join",
        calls: "lb_backends_tencent::fuzzing::clb3_join (v3::envelope::decode + ClbV3Provider::join: DescribeTargets fuzzed, DescribeTargetHealth the seed's)",
        seeds: &[seed!("tencent3-clb_describe_targets.json")],
        statuses: Statuses::Mixed,
        run: tencent3_targets_join,
    },
    Decoder {
        name: "tencent3-health-join",
        calls: "lb_backends_tencent::fuzzing::clb3_join (v3::envelope::decode + ClbV3Provider::join: DescribeTargetHealth fuzzed, DescribeTargets the seed's)",
        seeds: &[seed!("tencent3-clb_describe_target_health.json")],
        statuses: Statuses::Mixed,
        run: tencent3_health_join,
    },
    Decoder {
        name: "tencent3-bmlb-backends",
        calls: "lb_backends_tencent::fuzzing::bmlb3_backends (v3::envelope::decode + v3::bmlb::binding_backend)",
        seeds: &[
            seed!("tencent3-bmlb_describe_l7_backends.json"),
            seed!("tencent3-bmlb_describe_l4_backends.json"),
        ],
        statuses: Statuses::Mixed,
        run: tencent3_bmlb_backends,
    },
    Decoder {
        name: "tencent3-clb-lbs",
        calls: "lb_backends_tencent::fuzzing::clb3_lbs (v3::envelope::decode + v3::sets::lb_page + v3::discover::target_info: a CLB discovery page)",
        seeds: &[
            seed!("tencent3-clb_describe_load_balancers.json"),
            seed!("tencent3-error_request_limit_exceeded.json"),
        ],
        statuses: Statuses::Mixed,
        run: tencent3_clb_lbs,
    },
    Decoder {
        name: "tencent3-bmlb-lbs",
        calls: "lb_backends_tencent::fuzzing::bmlb3_lbs (v3::envelope::decode + v3::sets::lb_page + v3::discover_bmlb::lb_ids: a BMLB discovery page)",
        seeds: &[seed!("tencent3-bmlb_describe_load_balancers.json")],
        statuses: Statuses::Mixed,
        run: tencent3_bmlb_lbs,
    },
    Decoder {
        name: "tencent3-bmlb-listeners",
        calls: "lb_backends_tencent::fuzzing::bmlb3_listeners (v3::envelope::decode + v3::discover_bmlb::listeners_of)",
        seeds: &[seed!("tencent3-bmlb_describe_l7_listeners.json")],
        statuses: Statuses::Mixed,
        run: tencent3_bmlb_listeners,
    },
    Decoder {
        name: "tencent3-bmlb-rules",
        calls: "lb_backends_tencent::fuzzing::bmlb3_rules (v3::envelope::decode + v3::discover_bmlb::paths: one listener's locations)",
        seeds: &[seed!("tencent3-bmlb_describe_l7_rules.json")],
        statuses: Statuses::Mixed,
        run: tencent3_bmlb_rules,
    },
];

/// Violations known to come from open defects, tolerated by the smoke test and
/// counted apart in reports: (decoder, invariant, defect). Remove an entry when its
/// fix lands; the smoke test then holds the decoder to the invariant.
pub const KNOWN: &[(&str, &str, &str)] = &[];

/// The defect a violation is known to come from, if it is.
pub fn known(decoder: &str, invariant: &str) -> Option<&'static str> {
    KNOWN
        .iter()
        .find(|(d, i, _)| *d == decoder && *i == invariant)
        .map(|(_, _, why)| *why)
}

/// The decoder of that name.
pub fn by_name(name: &str) -> Option<&'static Decoder> {
    DECODERS.iter().find(|d| d.name == name)
}

/// The status of a case.
pub fn status(rng: &mut Rng, statuses: Statuses) -> u16 {
    const FAILURES: &[u16] = &[
        400, 401, 403, 404, 405, 408, 409, 412, 413, 429, 500, 502, 503, 504, 301, 304, 100, 0,
        999, 418,
    ];
    match statuses {
        Statuses::Success => 200,
        Statuses::Mixed if !rng.one_in(8) => 200,
        Statuses::Mixed if rng.one_in(4) => *rng.pick(&[201, 202, 204, 299]),
        _ => *rng.pick(FAILURES),
    }
}

/// Headers of a case: mostly none, sometimes a request id and `Retry-After`.
pub fn headers(rng: &mut Rng) -> HeaderMap {
    let mut h = HeaderMap::new();
    if rng.one_in(4) {
        let id = *rng.pick(&["hdr-request-id", "", "0", "é"]);
        if let Ok(v) = HeaderValue::from_str(id) {
            h.insert("x-request-id", v);
        }
    }
    if rng.one_in(4) {
        let after = *rng.pick(&[
            "0",
            "1",
            "-1",
            "120",
            "18446744073709551616",
            "1.5",
            "Wed, 21 Oct 2015 07:28:00 GMT",
            "Fri, 31 Dec 9999 23:59:59 GMT",
            "soon",
            "",
        ]);
        if let Ok(v) = HeaderValue::from_str(after) {
            h.insert("retry-after", v);
        }
    }
    h
}

/// JSON objects in a body: `{` outside strings. Exact for valid JSON, an upper
/// bound otherwise.
pub fn objects(body: &[u8]) -> usize {
    let (mut n, mut in_str, mut escaped) = (0, false, false);
    for &b in body {
        if in_str {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_str = false;
            }
        } else if b == b'"' {
            in_str = true;
        } else if b == b'{' {
            n += 1;
        }
    }
    n
}

fn parse(body: &[u8]) -> Option<Value> {
    serde_json::from_slice(body).ok()
}

/// The checks every decoded listing gets.
fn check_records(v: &mut Verdict, body: &[u8], backends: &[Backend], ids_required: bool) {
    let kept: Vec<(String, &lb_backends_core::RawRecord)> = backends
        .iter()
        .map(|b| (format!("record {:?}", b.id), &b.raw))
        .collect();
    check_kept(v, body, &kept);
    for b in backends {
        if (ids_required && b.id.is_empty()) || b.id.len() > body.len() {
            v.violations.push((
                "id-from-body",
                format!("id of {} bytes from a body of {}", b.id.len(), body.len()),
            ));
        }
    }
}

/// `records<=objects`, `record-is-object` and `raw-is-json` for what a decoder kept
/// of the body's records (each named for the report): the checks a listing's
/// backends and a discovery's targets share.
fn check_kept(v: &mut Verdict, body: &[u8], kept: &[(String, &lb_backends_core::RawRecord)]) {
    v.records = kept.len();
    let objects = objects(body);
    if kept.len() > objects {
        v.violations.push((
            "records<=objects",
            format!(
                "{} records decoded from a body with {objects} objects",
                kept.len()
            ),
        ));
    }
    for (name, raw) in kept {
        if !raw.is_object() {
            v.violations.push((
                "record-is-object",
                format!("{name} decoded from {}", lenient::raw_kind(raw.as_str())),
            ));
        }
        // The record is kept as text and parsed only when asked: it must be one
        // well-formed JSON value (a value beyond what `Value` holds, such as 1e999,
        // is well-formed and kept as sent).
        if raw.parse::<&serde_json::value::RawValue>().is_err() {
            v.violations
                .push(("raw-is-json", format!("{name} keeps text that is not JSON")));
        }
    }
}

/// A total as the listings read it (core's `paging::read_count`): a JSON integer of
/// 0 or more, or a string of ASCII digits; anything else is none.
fn whole_count(sent: &Value) -> Option<u64> {
    match sent {
        Value::String(t) if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) => {
            t.parse::<u64>().ok()
        }
        other => other.as_u64(),
    }
}

fn check_status(v: &mut Verdict, response: &RawResponse) {
    if v.accepted && !response.is_success() {
        v.violations.push((
            "status",
            format!("HTTP {} decoded as a success", response.status),
        ));
    }
}

/// Tencent: a success is an object whose `code` is 0, or absent with `codeDesc`
/// `"Success"`.
fn check_success_signal(v: &mut Verdict, body: &[u8]) {
    if !v.accepted {
        return;
    }
    let why = match parse(body) {
        Some(Value::Object(obj)) => match obj.get("code") {
            None if obj.get("codeDesc").and_then(Value::as_str) == Some("Success") => None,
            None => Some("no code and no codeDesc \"Success\"".to_owned()),
            Some(code) if lenient::as_i64(code) == Some(0) => None,
            Some(code) => Some(format!("code {code}")),
        },
        Some(other) => Some(format!("the envelope is {}", lenient::json_kind(&other))),
        // Not JSON to serde_json's `Value` (a number out of range in a field the
        // envelope ignores): the page decode that follows rejects it.
        None => None,
    };
    if let Some(why) = why {
        v.violations.push(("success-signal", why));
    }
}

fn elb_page(response: &RawResponse, _: &mut Rng) -> Verdict {
    let mut v = Verdict::default();
    let Ok((members, next)) = lb_backends_huawei_elb::fuzzing::list_page(response) else {
        return v;
    };
    v.accepted = true;
    let body = &response.body[..];
    check_records(&mut v, body, &members, true);
    check_raw_is_record(&mut v, body, &members);
    if let Some(m) = &next {
        if m.is_empty() || m.len() > body.len() {
            v.violations
                .push(("id-from-body", format!("next_marker of {} bytes", m.len())));
        }
    }
    let page_info = parse(body).and_then(|b| b.get("page_info").cloned());
    let bad = match &page_info {
        None | Some(Value::Null) => None,
        Some(Value::Object(p)) => match p.get("next_marker") {
            None | Some(Value::Null | Value::String(_)) => None,
            Some(other) => Some(format!("next_marker is {}", lenient::json_kind(other))),
        },
        Some(other) => Some(format!("page_info is {}", lenient::json_kind(other))),
    };
    if let Some(why) = bad {
        v.violations
            .push(("end-signal", format!("{why}, decoded as next {next:?}")));
    }
    v
}

/// `raw-is-record`: the records, as values, are the body's `members`, in order.
fn check_raw_is_record(v: &mut Verdict, body: &[u8], backends: &[Backend]) {
    let Some(Value::Array(records)) = parse(body).and_then(|b| b.get("members").cloned()) else {
        return;
    };
    if records.len() != backends.len() {
        v.violations.push((
            "raw-is-record",
            format!(
                "{} records decoded from {} in `members`",
                backends.len(),
                records.len()
            ),
        ));
        return;
    }
    for (i, (b, record)) in backends.iter().zip(&records).enumerate() {
        if b.raw.parse::<Value>().ok().as_ref() != Some(record) {
            v.violations.push((
                "raw-is-record",
                format!(
                    "record #{i} keeps {:?}, not the body's record",
                    b.raw.as_str()
                ),
            ));
        }
    }
}

/// How many entries a JSON object has, a key given twice counted twice.
struct Entries(usize);

impl<'de> serde::Deserialize<'de> for Entries {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Count;
        impl<'de> serde::de::Visitor<'de> for Count {
            type Value = Entries;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Entries, A::Error> {
                let mut n = 0;
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {
                    n += 1;
                }
                Ok(Entries(n))
            }
        }
        d.deserialize_map(Count)
    }
}

/// The one-pass page reader against `serde_json::Value`'s reading of the same body.
fn page_tail_guess(response: &RawResponse, _: &mut Rng) -> Verdict {
    let mut v = Verdict::default();
    let body = &response.body[..];
    let Some(guess) = lb_backends_core::paging::tail_string(body, "next_marker") else {
        return v;
    };
    v.accepted = true;
    let mut bad = |why: String| v.violations.push(("guess-is-plain", why));
    // The guess is a slice of the body's tail, right after `"next_marker"`, a colon
    // and a quote, and it is plain text: no quote, no escape, 1 to 256 bytes.
    let start = guess.as_ptr() as usize - body.as_ptr() as usize;
    if start + guess.len() > body.len() || start + 4096 < body.len() {
        bad(format!(
            "the guess at {start} is not in the body's last 4096 bytes"
        ));
    }
    if guess.is_empty() || guess.len() > 256 || guess.contains(['"', '\\']) {
        bad(format!("the guess {guess:?} is not plain"));
    }
    let before: Vec<u8> = body[..start]
        .iter()
        .rev()
        .copied()
        .filter(|b| !matches!(b, b' ' | b'\n' | b'\r' | b'\t'))
        .take(15)
        .collect();
    if before != b"\":\"rekram_txen\"" {
        bad(format!(
            "the guess {guess:?} does not follow \"next_marker\":\""
        ));
    }
    // Where the body names its marker once, plainly, the guess is that marker.
    if let Some(Value::String(marker)) = parse(body)
        .as_ref()
        .and_then(|b| b.get("page_info"))
        .and_then(|p| p.get("next_marker"))
    {
        let once = body.windows(13).filter(|w| w == b"\"next_marker\"").count() == 1;
        if once && !body.contains(&b'\\') && marker != guess {
            v.violations.push((
                "guess-agrees",
                format!("guessed {guess:?}, page_info.next_marker is {marker:?}"),
            ));
        }
    }
    v
}

fn page_split(response: &RawResponse, _: &mut Rng) -> Verdict {
    let mut v = Verdict::default();
    let body = &response.body[..];
    let Some(page) = lb_backends_core::paging::split_page::<serde::de::IgnoredAny, _>(
        body,
        "members",
        |text, _| text,
    ) else {
        return v;
    };
    v.accepted = true;
    let mut bad = |why: String| v.violations.push(("split-agrees", why));
    // The entries of the top-level object, counted (a key twice counts twice).
    let entries = serde_json::from_slice::<Entries>(body).ok().map(|e| e.0);
    let Some(Value::Object(obj)) = parse(body) else {
        // Well-formed but beyond `Value` (1e999): nothing to compare with.
        if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_err() {
            bad("read a body that is not JSON".into());
        }
        return v;
    };
    if let Some(entries) = entries.filter(|n| *n != obj.len()) {
        bad(format!("read a body with a key twice ({entries} entries)"));
    }
    let records = page.records.unwrap_or_default();
    match obj.get("members") {
        Some(Value::Array(items)) => {
            if items.len() != records.len() {
                bad(format!("{} records of {}", records.len(), items.len()));
            }
            for (i, (text, item)) in records.iter().zip(items).enumerate() {
                let inside =
                    body.as_ptr_range().contains(&text.as_ptr()) && text.len() <= body.len();
                if !inside {
                    bad(format!("record #{i} is not a slice of the body"));
                }
                if serde_json::from_str::<Value>(text).ok().as_ref() != Some(item) {
                    bad(format!("record #{i} {text:?} is not the body's"));
                }
            }
        }
        None if records.is_empty() => {}
        other => bad(format!("records read from `members` = {other:?}")),
    }
    v.records = records.len();
    let others = obj.len() - usize::from(obj.contains_key("members"));
    if page.others.len() != others {
        bad(format!("{} other keys of {others}", page.others.len()));
    }
    for (key, text) in &page.others {
        if serde_json::from_str::<Value>(text).ok().as_ref() != obj.get(*key) {
            bad(format!("key {key:?} read as {text:?}"));
        }
    }
    v
}

fn elb_member(response: &RawResponse, rng: &mut Rng) -> Verdict {
    const ASKED: &str = "asked-for-member-id";
    let asked = rng.one_in(2).then_some(ASKED);
    let mut v = Verdict::default();
    let Ok(member) = lb_backends_huawei_elb::fuzzing::show_member(response, asked) else {
        return v;
    };
    v.accepted = true;
    let body = &response.body[..];
    if member.id == ASKED && asked.is_some() {
        // The fallback: checked like a record, with the id it was given.
        let mut m = member.clone();
        m.id = "x".to_owned();
        check_records(&mut v, body, &[m], true);
    } else {
        check_records(&mut v, body, &[member], true);
    }
    v
}

fn vpc_ports(response: &RawResponse, rng: &mut Rng) -> Verdict {
    let mut v = Verdict::default();
    let Ok(ports) = lb_backends_huawei_elb::fuzzing::ports_page(response) else {
        return v;
    };
    v.accepted = true;
    v.records = ports.len();
    let body = &response.body[..];
    let objects = objects(body);
    if ports.len() > objects {
        v.violations.push((
            "records<=objects",
            format!("{} ports from a body with {objects} objects", ports.len()),
        ));
    }
    // A port is an object: count the objects of the `ports` array as parsed.
    let port_objects = parse(body).and_then(|b| {
        b.get("ports")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter(|p| p.is_object()).count())
    });
    if let Some(n) = port_objects.filter(|n| ports.len() > *n) {
        v.violations.push((
            "record-is-object",
            format!("{} ports decoded from {n} objects in `ports`", ports.len()),
        ));
    }
    let (subnet, address) = *rng.pick(&[
        ("c09f620e-3492-4429-ac15-445d5dd9ca74", "10.0.1.10"),
        ("c09f620e-3492-4429-ac15-445d5dd9ca74", "2001:db8::5"),
        ("ffff620e-0000-4429-ac15-445d5dd9ca74", "10.0.1.10"),
    ]);
    match lb_backends_huawei_elb::fuzzing::pick(&ports, subnet, address) {
        InstanceLookup::Found { instance }
            if instance.id.is_empty() || instance.id.len() > body.len() =>
        {
            v.violations.push((
                "id-from-body",
                format!("device id of {} bytes", instance.id.len()),
            ));
        }
        InstanceLookup::Ambiguous { candidates } if candidates.len() > ports.len() => {
            v.violations.push((
                "records<=objects",
                format!("{} candidates from {} ports", candidates.len(), ports.len()),
            ));
        }
        _ => {}
    }
    v
}

fn apig_page(response: &RawResponse, _: &mut Rng) -> Verdict {
    let mut v = Verdict::default();
    let Ok((_total, members)) = lb_backends_huawei_apig::fuzzing::list_page(response) else {
        return v;
    };
    v.accepted = true;
    // APIG keeps a record without an id (de-duplicated by content), so ids may be empty.
    check_records(&mut v, &response.body, &members, false);
    check_raw_is_record(&mut v, &response.body, &members);
    v
}

fn apig_add_answer(response: &RawResponse, _: &mut Rng) -> Verdict {
    let mut v = Verdict::default();
    let members = lb_backends_huawei_apig::fuzzing::add_answer(response);
    v.accepted = !members.is_empty();
    check_records(&mut v, &response.body, &members, true);
    v
}

fn huawei_error(response: &RawResponse, _: &mut Rng) -> Verdict {
    let mut v = Verdict::default();
    let err = lb_backends_huawei_core::errors::error_from_response(response);
    v.accepted = err.code().is_some();
    let body = response.body.len();
    let header = response.header_request_id().map_or(0, |h| h.len());
    if err.status() != Some(response.status) {
        v.violations.push((
            "error-status",
            format!("status {} became {:?}", response.status, err.status()),
        ));
    }
    if err.code().is_some_and(|c| c.len() > body) {
        v.violations
            .push(("error-status", "a code longer than the body".to_owned()));
    }
    if err.request_id().is_some_and(|r| r.len() > body.max(header)) {
        v.violations.push((
            "error-status",
            "a request id longer than its source".to_owned(),
        ));
    }
    if err.message().len() > body + 512 {
        v.violations.push((
            "error-status",
            format!(
                "a message of {} bytes from a body of {body}",
                err.message().len()
            ),
        ));
    }
    v
}

fn tencent_envelope(response: &RawResponse, _: &mut Rng) -> Verdict {
    let mut v = Verdict {
        accepted: lb_backends_tencent::fuzzing::check("DescribeLoadBalancerBackends", response)
            .is_ok(),
        ..Verdict::default()
    };
    check_status(&mut v, response);
    check_success_signal(&mut v, &response.body);
    v
}

/// API 3.0: a success is a 2xx whose body is an object holding a `Response` object
/// with a non-empty text `RequestId` and no `Error`; the `Response` handed back is
/// that object, less its `RequestId`.
fn tencent3_envelope(response: &RawResponse, _: &mut Rng) -> Verdict {
    let opened = lb_backends_tencent::v3::envelope::open("DescribeTargets", response);
    let mut v = Verdict {
        accepted: opened.is_ok(),
        ..Verdict::default()
    };
    check_status(&mut v, response);
    let Ok((inner, request_id)) = opened else {
        return v;
    };
    let why = match parse(&response.body) {
        Some(Value::Object(body)) => match body.get("Response") {
            Some(Value::Object(r)) if r.contains_key("Error") => Some("an Error".to_owned()),
            Some(Value::Object(r)) => match r.get("RequestId") {
                Some(Value::String(id)) if !id.is_empty() && *id == request_id => {
                    (inner.len() + 1 != r.len()).then(|| "a Response of another size".to_owned())
                }
                other => Some(format!("RequestId {other:?}")),
            },
            other => Some(format!(
                "Response {}",
                other.map_or("missing", lenient::json_kind)
            )),
        },
        Some(other) => Some(format!("the body is {}", lenient::json_kind(&other))),
        // serde_json's `Value` refused it (e.g. a number out of range): so must `open`.
        None => Some("a body serde_json cannot read as a Value".to_owned()),
    };
    if let Some(why) = why {
        v.violations.push(("success-signal", why));
    }
    v
}

fn clb_page(response: &RawResponse, _: &mut Rng) -> Verdict {
    let mut v = Verdict::default();
    let Ok((total, backends)) = lb_backends_tencent::fuzzing::clb_page(response) else {
        return v;
    };
    v.accepted = true;
    let body = &response.body[..];
    check_status(&mut v, response);
    check_success_signal(&mut v, body);
    check_records(&mut v, body, &backends, true);
    let sent = parse(body).and_then(|b| b.get("totalCount").cloned());
    if let Some(sent) = sent.filter(|t| !t.is_null()) {
        // The listing reads totalCount strictly: a page is accepted only with a
        // whole number of 0 or more (a JSON integer, or a string of ASCII digits,
        // as core's `paging::read_count` documents), and that number is the total.
        let exact = whole_count(&sent);
        if exact != Some(total) {
            v.violations.push((
                "total-signal",
                format!("totalCount {sent} decoded as {total:?}"),
            ));
        }
    }
    v
}

fn bmlb_page(response: &RawResponse, _: &mut Rng) -> Verdict {
    let mut v = Verdict::default();
    let Ok(backends) = lb_backends_tencent::fuzzing::bmlb_page(response) else {
        return v;
    };
    v.accepted = true;
    let body = &response.body[..];
    check_status(&mut v, response);
    check_success_signal(&mut v, body);
    check_records(&mut v, body, &backends, true);
    v
}

/// A record decoder: the body parsed as the listing parses a page, the record
/// handed over as a value.
fn record(
    response: &RawResponse,
    decode: fn(Value) -> lb_backends_core::Result<Backend>,
) -> Verdict {
    let mut v = Verdict::default();
    let Some(value) = parse(&response.body) else {
        return v;
    };
    let Ok(backend) = decode(value) else {
        return v;
    };
    v.accepted = true;
    check_records(&mut v, &response.body, &[backend], true);
    v
}

fn clb_record(response: &RawResponse, _: &mut Rng) -> Verdict {
    record(response, lb_backends_tencent::fuzzing::clb_record)
}

fn bmlb_record(response: &RawResponse, _: &mut Rng) -> Verdict {
    record(response, lb_backends_tencent::fuzzing::bmlb_record)
}

/// The fixed halves of the DescribeTargets / DescribeTargetHealth join.
const TC3_TARGETS: &str = seed!("tencent3-clb_describe_targets.json");
const TC3_HEALTH: &str = seed!("tencent3-clb_describe_target_health.json");

/// The API 3.0 checks of a decoded answer: HTTP 2xx, a `Response` object without
/// `Error`.
fn check_tc3_success(v: &mut Verdict, response: &RawResponse) {
    check_status(v, response);
    if !v.accepted {
        return;
    }
    let ok = matches!(
        parse(&response.body),
        Some(Value::Object(body)) if matches!(body.get("Response"), Some(Value::Object(r)) if !r.contains_key("Error"))
    );
    if !ok {
        v.violations.push((
            "success-signal",
            "accepted without a Response object free of Error".to_owned(),
        ));
    }
}

/// The join's ids are unique (a target listed twice is yielded once).
fn check_unique_ids(v: &mut Verdict, backends: &[Backend]) {
    let mut seen = std::collections::HashSet::new();
    for b in backends {
        if !seen.insert(b.id.as_str()) {
            v.violations
                .push(("ids-unique", format!("id {:?} yielded twice", b.id)));
        }
    }
}

fn tencent3_targets_join(response: &RawResponse, _: &mut Rng) -> Verdict {
    let health = RawResponse::new(200, HeaderMap::new(), TC3_HEALTH.to_owned());
    let mut v = Verdict::default();
    let Ok(backends) = lb_backends_tencent::fuzzing::clb3_join(response, &health) else {
        return v;
    };
    v.accepted = true;
    check_tc3_success(&mut v, response);
    check_records(&mut v, &response.body, &backends, true);
    check_unique_ids(&mut v, &backends);
    v
}

fn tencent3_health_join(response: &RawResponse, _: &mut Rng) -> Verdict {
    let targets = RawResponse::new(200, HeaderMap::new(), TC3_TARGETS.to_owned());
    let mut v = Verdict::default();
    let Ok(backends) = lb_backends_tencent::fuzzing::clb3_join(&targets, response) else {
        return v;
    };
    v.accepted = true;
    check_tc3_success(&mut v, response);
    // The records come from the (fixed) targets answer.
    check_records(&mut v, &targets.body, &backends, true);
    check_unique_ids(&mut v, &backends);
    v
}

fn tencent3_bmlb_backends(response: &RawResponse, _: &mut Rng) -> Verdict {
    let mut v = Verdict::default();
    let Ok(backends) = lb_backends_tencent::fuzzing::bmlb3_backends(response) else {
        return v;
    };
    v.accepted = true;
    check_tc3_success(&mut v, response);
    check_records(&mut v, &response.body, &backends, true);
    v
}

/// The `Response` object of an API 3.0 body, when the body is JSON to `Value`.
fn tc3_response(body: &[u8]) -> Option<Value> {
    match parse(body)? {
        Value::Object(mut top) => top.remove("Response").filter(Value::is_object),
        _ => None,
    }
}

/// `set-signal` (API 3.0 discovery): an accepted answer's `key` (under `Response`,
/// or under each element of `Response.outer`) is an array, and the decoder handed
/// over one record for each element: a set is never read from another type, from
/// `null` or from nothing, and no element is dropped.
fn check_sets(v: &mut Verdict, response: &RawResponse, outer: Option<&str>, key: &str, got: usize) {
    if !v.accepted {
        return;
    }
    let Some(r) = tc3_response(&response.body) else {
        return;
    };
    let holders: Vec<&Value> = match outer {
        None => vec![&r],
        Some(outer) => match r.get(outer) {
            Some(Value::Array(a)) => a.iter().collect(),
            other => {
                let kind = other.map_or("missing", lenient::json_kind);
                v.violations
                    .push(("set-signal", format!("accepted with {outer} {kind}")));
                return;
            }
        },
    };
    let mut sent = 0;
    for holder in holders {
        match holder.get(key) {
            Some(Value::Array(a)) => sent += a.len(),
            other => {
                let kind = other.map_or("missing", lenient::json_kind);
                v.violations
                    .push(("set-signal", format!("accepted with {key} {kind}")));
                return;
            }
        }
    }
    if sent != got {
        v.violations.push((
            "set-signal",
            format!("{got} records handed over from {sent} in {key}"),
        ));
    }
}

/// `total-signal` (API 3.0 discovery): an accepted page has a `TotalCount` that is a
/// whole number of 0 or more (a JSON integer or a string of ASCII digits, as core's
/// `paging::read_count` reads it), decoded as that number; missing or `null` is never
/// read as a total.
fn check_tc3_total(v: &mut Verdict, response: &RawResponse, total: u64) {
    if !v.accepted {
        return;
    }
    let Some(r) = tc3_response(&response.body) else {
        return;
    };
    let sent = r.get("TotalCount").cloned().unwrap_or(Value::Null);
    let exact = whole_count(&sent);
    if exact != Some(total) {
        v.violations.push((
            "total-signal",
            format!("TotalCount {sent} decoded as {total}"),
        ));
    }
}

/// The record checks of discovered targets: `records<=objects`, `record-is-object`
/// (the target's `settings`), `raw-is-json`, and `id-from-body` for `ids`.
fn check_targets(
    v: &mut Verdict,
    body: &[u8],
    targets: &[lb_backends_core::TargetInfo],
    ids: fn(&lb_backends_core::Target) -> Vec<String>,
) {
    let kept: Vec<(String, &lb_backends_core::RawRecord)> = targets
        .iter()
        .map(|t| (format!("target {}", t.target), &t.settings))
        .collect();
    check_kept(v, body, &kept);
    for t in targets {
        check_ids(v, body, &ids(&t.target));
    }
}

/// `raw-is-record` (discovery): each target's `settings` is, as a JSON value, the
/// body's record it was made from, in order (when the body is JSON to `Value`; the
/// set's length is `set-signal`'s).
fn check_settings_are_records(
    v: &mut Verdict,
    targets: &[lb_backends_core::TargetInfo],
    records: &[Value],
) {
    for (i, (t, record)) in targets.iter().zip(records).enumerate() {
        if t.settings.parse::<Value>().ok().as_ref() != Some(record) {
            v.violations.push((
                "raw-is-record",
                format!(
                    "target #{i} keeps {:?}, not the body's record",
                    t.settings.as_str()
                ),
            ));
        }
    }
}

/// `id-from-body`: every id is non-empty and no longer than the body.
fn check_ids(v: &mut Verdict, body: &[u8], ids: &[String]) {
    for id in ids {
        if id.is_empty() || id.len() > body.len() {
            v.violations.push((
                "id-from-body",
                format!("id of {} bytes from a body of {}", id.len(), body.len()),
            ));
        }
    }
}

fn tencent3_clb_lbs(response: &RawResponse, _: &mut Rng) -> Verdict {
    let mut v = Verdict::default();
    let Ok((total, targets)) = lb_backends_tencent::fuzzing::clb3_lbs(response) else {
        return v;
    };
    v.accepted = true;
    check_tc3_success(&mut v, response);
    check_targets(&mut v, &response.body, &targets, |t| match t {
        lb_backends_core::Target::TencentClb { load_balancer_id } => {
            vec![load_balancer_id.to_string()]
        }
        _ => Vec::new(),
    });
    check_sets(&mut v, response, None, "LoadBalancerSet", targets.len());
    check_tc3_total(&mut v, response, total);
    // `raw-is-record`: each target keeps its record of the set, in order.
    let set = tc3_response(&response.body)
        .and_then(|r| r.get("LoadBalancerSet").cloned())
        .and_then(|set| set.as_array().cloned())
        .unwrap_or_default();
    check_settings_are_records(&mut v, &targets, &set);
    v
}

fn tencent3_bmlb_lbs(response: &RawResponse, _: &mut Rng) -> Verdict {
    let mut v = Verdict::default();
    let Ok((total, ids)) = lb_backends_tencent::fuzzing::bmlb3_lbs(response) else {
        return v;
    };
    v.accepted = true;
    v.records = ids.len();
    check_tc3_success(&mut v, response);
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    check_ids(&mut v, &response.body, &ids);
    check_sets(&mut v, response, None, "LoadBalancerSet", ids.len());
    check_tc3_total(&mut v, response, total);
    v
}

fn tencent3_bmlb_listeners(response: &RawResponse, _: &mut Rng) -> Verdict {
    let mut v = Verdict::default();
    let Ok(ids) = lb_backends_tencent::fuzzing::bmlb3_listeners(response) else {
        return v;
    };
    v.accepted = true;
    v.records = ids.len();
    check_tc3_success(&mut v, response);
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    check_ids(&mut v, &response.body, &ids);
    check_sets(&mut v, response, None, "ListenerSet", ids.len());
    v
}

fn tencent3_bmlb_rules(response: &RawResponse, _: &mut Rng) -> Verdict {
    let mut v = Verdict::default();
    let Ok(targets) = lb_backends_tencent::fuzzing::bmlb3_rules(response) else {
        return v;
    };
    v.accepted = true;
    check_tc3_success(&mut v, response);
    check_targets(&mut v, &response.body, &targets, |t| match t {
        lb_backends_core::Target::TencentBmlb {
            domain_id,
            location_id,
            ..
        } => vec![domain_id.to_string(), location_id.to_string()],
        _ => Vec::new(),
    });
    check_sets(
        &mut v,
        response,
        Some("RuleSet"),
        "LocationSet",
        targets.len(),
    );
    // `raw-is-record`: each target keeps its location, in order.
    let locations: Vec<Value> = tc3_response(&response.body)
        .and_then(|r| r.get("RuleSet").cloned())
        .and_then(|rules| rules.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .flat_map(|rule| rule["LocationSet"].as_array().cloned().unwrap_or_default())
        .collect();
    check_settings_are_records(&mut v, &targets, &locations);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(body: &str) -> RawResponse {
        RawResponse::new(200, HeaderMap::new(), body.to_owned())
    }

    #[test]
    fn objects_are_counted_outside_strings() {
        assert_eq!(objects(br#"{"a":"{\"{","b":[{},{}]}"#), 3);
        assert_eq!(objects(b"[1,2]"), 0);
    }

    #[test]
    fn every_seed_decodes_cleanly() {
        for d in DECODERS {
            for seed in d.seeds {
                let v = (d.run)(&ok(seed), &mut Rng::new(1));
                assert!(v.violations.is_empty(), "{}: {:?}", d.name, v.violations);
            }
        }
    }

    /// Discovery's paging signals: a set or a total missing, `null` or of the wrong
    /// type is refused (the listing ends incomplete), not read as an empty page.
    #[test]
    fn discovery_pages_without_their_signals_are_refused_without_a_violation() {
        let tc3 = |fields: &str| ok(&format!(r#"{{"Response":{{{fields},"RequestId":"r-1"}}}}"#));
        let lb = r#"[{"LoadBalancerId":"lb-1"}]"#;
        for fields in [
            r#""TotalCount":0"#.to_owned(),
            r#""TotalCount":0,"LoadBalancerSet":null"#.to_owned(),
            r#""TotalCount":1,"LoadBalancerSet":{"LoadBalancerId":"lb-1"}"#.to_owned(),
            format!(r#""LoadBalancerSet":{lb}"#),
            format!(r#""TotalCount":"many","LoadBalancerSet":{lb}"#),
            format!(r#""TotalCount":-1,"LoadBalancerSet":{lb}"#),
        ] {
            for run in [tencent3_clb_lbs, tencent3_bmlb_lbs] {
                let v = run(&tc3(&fields), &mut Rng::new(1));
                assert!(!v.accepted, "{fields} was accepted");
                assert!(v.violations.is_empty(), "{fields}: {:?}", v.violations);
            }
        }
        for (run, fields) in [
            (
                tencent3_bmlb_listeners as fn(&RawResponse, &mut Rng) -> Verdict,
                r#""ListenerSet":null"#,
            ),
            (tencent3_bmlb_listeners, r#""ListenerSet":{}"#),
            (tencent3_bmlb_rules, r#""RuleSet":"dm-1""#),
            (tencent3_bmlb_rules, r#""RuleSet":[{"DomainId":"dm-1"}]"#),
            (
                tencent3_bmlb_rules,
                r#""RuleSet":[{"DomainId":"dm-1","LocationSet":null}]"#,
            ),
        ] {
            let v = run(&tc3(fields), &mut Rng::new(1));
            assert!(!v.accepted, "{fields} was accepted");
            assert!(v.violations.is_empty(), "{fields}: {:?}", v.violations);
        }
    }

    /// The discovery invariants fire: a decoder that read a missing set as empty, or
    /// a missing total as 0, would be reported.
    #[test]
    fn the_discovery_signal_checks_see_a_lenient_reading() {
        let body = ok(r#"{"Response":{"RequestId":"r-1"}}"#);
        let mut v = Verdict {
            accepted: true,
            ..Verdict::default()
        };
        check_sets(&mut v, &body, None, "LoadBalancerSet", 0);
        check_tc3_total(&mut v, &body, 0);
        check_sets(&mut v, &body, Some("RuleSet"), "LocationSet", 0);
        let names: Vec<_> = v.violations.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["set-signal", "total-signal", "set-signal"]);
        let body = ok(r#"{"Response":{"RuleSet":[{"LocationSet":[{},{}]}],"RequestId":"r-1"}}"#);
        let mut v = Verdict {
            accepted: true,
            ..Verdict::default()
        };
        check_sets(&mut v, &body, Some("RuleSet"), "LocationSet", 1);
        assert_eq!(v.violations.len(), 1, "a location dropped");
    }

    #[test]
    fn the_bodies_of_issue_8_are_refused_without_a_violation() {
        // Item 7: a BMLB record in sequence form; an envelope whose code is not 0.
        // Item 3a: a next_marker of the wrong type.
        for (v, what) in [
            (
                bmlb_record(&ok(r#"[0,80,10,"Alive","cpm-x"]"#), &mut Rng::new(1)),
                "a record in sequence form",
            ),
            (
                tencent_envelope(
                    &ok(r#"{"code":0.5,"codeDesc":"Success"}"#),
                    &mut Rng::new(1),
                ),
                "code 0.5",
            ),
            (
                elb_page(
                    &ok(r#"{"members":[],"page_info":{"next_marker":7}}"#),
                    &mut Rng::new(1),
                ),
                "next_marker 7",
            ),
        ] {
            assert!(!v.accepted, "{what} was accepted");
            assert!(v.violations.is_empty(), "{what}: {:?}", v.violations);
        }
        for (d, i, _) in KNOWN {
            assert!(by_name(d).is_some(), "{d}/{i}");
        }
    }
}
