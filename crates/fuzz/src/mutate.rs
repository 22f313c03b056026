//! The structured mutator: a realistic body, parsed, changed at 1 to 8 random
//! places, rendered to text, then sometimes damaged byte by byte.
//!
//! Changes at a node: a type swap (any JSON type, odd numbers and strings); an odd
//! value of the node's own type (huge, negative, fractional, `u64::MAX`, `-1`, numbers
//! out of every integer range, numeric strings, addresses, bidirectional overrides,
//! lone surrogates); objects and arrays edited (keys removed, added, renamed and
//! **duplicated**, elements removed, repeated, reordered); an object turned into the
//! array of its values and an array into an object (the sequence form serde accepts
//! for a derived struct); a node wrapped in an array or object. Rarely (one mutation in
//! [`HUGE_ONE_IN`]): a 1 MB string,
//! nesting from 64 to 100,000 levels (beyond serde_json's recursion limit of 128), or
//! an array of thousands of records. Then, for one body in six, the text is
//! truncated, bytes flipped, invalid UTF-8 inserted (inside a string or anywhere),
//! bytes deleted or repeated. One body in fifty is not built from a seed at all
//! (empty, HTML, random bytes, a bare scalar).

use crate::{node::Node, rng::Rng};

/// How big the rare huge mutations may get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// 1 MB strings, 100,000 levels of nesting, arrays of 5,000 records.
    Full,
    /// The same mutations at a fraction of the size (64 KB strings, 1,000 levels,
    /// 500 records), for the debug-build smoke test.
    Smoke,
}

/// Numbers chosen to break integer conversions, ranges and float handling.
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "2",
    "0.5",
    "-0.5",
    "1.0",
    "1e2",
    "1E+2",
    "-1e2",
    "1e-7",
    "1.7976931348623157e308",
    "-1.7976931348623157e308",
    "1e308",
    "1e400",
    "-1e400",
    "100",
    "101",
    "255",
    "256",
    "65535",
    "65536",
    "2147483647",
    "2147483648",
    "4294967295",
    "4294967296",
    "9007199254740993",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "123456789012345678901234567890",
    "1000000000000",
    "3.0",
    "0.0",
    "-0.0",
    "00",
    "01",
    "+1",
    ".5",
    "1.",
    "NaN",
    "Infinity",
];

/// Strings chosen for ids, addresses, statuses, numbers-as-text and display traps.
const STRINGS: &[&str] = &[
    "",
    " ",
    "x",
    "0",
    "-1",
    "1",
    "80",
    "1.5",
    "1e3",
    "0x10",
    "18446744073709551615",
    "-9223372036854775809",
    "true",
    "null",
    "Success",
    "success",
    "ONLINE",
    "OFFLINE",
    "healthy",
    "Alive",
    "Dead",
    "ins-x",
    "cpm-x",
    "10.0.0.1",
    " 10.0.0.1 ",
    "10.0.0.1:80",
    "::1",
    "::ffff:10.0.0.1",
    "fe80::1%eth0",
    "999.0.0.1",
    "2001:DB8::5",
    "[2001:db8::5]",
    "\u{202e}evil\u{202c}",
    "\u{0}",
    "\t\r\n",
    "é",
    "😀",
    "\u{feff}",
    "a/b?c#d",
    "%00",
    "../../etc",
    "2026-01-05T09:12:44Z",
    "compute:cn-north-4a",
];

/// String literals that a `String` cannot hold but a body can.
const RAW_STRINGS: &[&str] = &[
    r#""\ud800""#,
    r#""\udc00x""#,
    r#""\ud83d\ude00""#,
    r#""\u0000""#,
    r#""\x""#,
    r#""\u12""#,
];

/// Bodies not built from a seed.
const JUNK: &[&[u8]] = &[
    b"",
    b" ",
    b"null",
    b"true",
    b"0",
    b"-1",
    b"\"x\"",
    b"[]",
    b"{}",
    b"[{}]",
    b"{\"\":{}}",
    b"<html><body><h1>502 Bad Gateway</h1></body></html>",
    b"\xef\xbb\xbf{}",
    b"{}{}",
    b"{} trailing",
];

/// Byte sequences that are not UTF-8.
const BAD_UTF8: &[&[u8]] = &[
    b"\xff",
    b"\xfe\xff",
    b"\xc3",
    b"\xc0\x80",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"\x80",
    b"\xe2\x82",
];

/// One mutation in this many is a huge one (about one body in a thousand): most
/// bodies stay small, so that millions run in minutes.
pub const HUGE_ONE_IN: usize = 2_000;

/// A fuzzed body from `seed`.
pub fn body(rng: &mut Rng, seed: &Node, size: Size) -> Vec<u8> {
    if rng.one_in(50) {
        return junk(rng, size);
    }
    let mut tree = seed.clone();
    let mut n = 1;
    while n < 8 && rng.one_in(2) {
        n += 1;
    }
    for _ in 0..n {
        mutate_once(rng, &mut tree, size);
    }
    let mut out = Vec::with_capacity(1024);
    tree.render(&mut out);
    if rng.one_in(6) {
        damage(rng, &mut out);
    }
    out
}

fn junk(rng: &mut Rng, size: Size) -> Vec<u8> {
    match rng.below(4) {
        0 => {
            let len = rng.below(64);
            (0..len).map(|_| rng.next_u64() as u8).collect()
        }
        1 => nesting(rng, size).into_bytes(),
        _ => rng.pick(JUNK).to_vec(),
    }
}

/// Change the tree at one random node. One time in four the node is the root or
/// one of its members (where the page's signals live), else any node.
fn mutate_once(rng: &mut Rng, tree: &mut Node, size: Size) {
    let depth = if rng.one_in(4) { 1 } else { usize::MAX };
    let count = tree.count(depth);
    let mut k = rng.below(count);
    let Some(node) = tree.nth_mut(&mut k, depth) else {
        return;
    };
    if rng.one_in(HUGE_ONE_IN) {
        return huge(rng, node, size);
    }
    match rng.below(100) {
        0..=26 => *node = scalar(rng),
        27..=48 => odd_of_same_type(rng, node),
        49..=79 => edit_container(rng, node),
        80..=89 => flip_container(node),
        _ => wrap(rng, node),
    }
}

/// A value of any type.
fn scalar(rng: &mut Rng) -> Node {
    match rng.below(10) {
        0 => Node::Null,
        1 => Node::Bool(rng.one_in(2)),
        2..=4 => Node::Num((*rng.pick(NUMBERS)).to_owned()),
        5..=7 => Node::Str((*rng.pick(STRINGS)).to_owned()),
        8 => Node::Arr(Vec::new()),
        _ => Node::Obj(Vec::new()),
    }
}

fn odd_of_same_type(rng: &mut Rng, node: &mut Node) {
    match node {
        Node::Num(_) => *node = Node::Num((*rng.pick(NUMBERS)).to_owned()),
        Node::Str(s) => match rng.below(6) {
            0 => *node = Node::Raw((*rng.pick(RAW_STRINGS)).to_owned()),
            1 => {
                let extra: &&str = rng.pick(STRINGS);
                s.push_str(extra);
            }
            2 => *s = s.repeat(2 + rng.below(40)),
            3 => *s = s.to_uppercase(),
            _ => *node = Node::Str((*rng.pick(STRINGS)).to_owned()),
        },
        Node::Bool(b) => *b = !*b,
        _ => *node = scalar(rng),
    }
}

fn edit_container(rng: &mut Rng, node: &mut Node) {
    match node {
        Node::Obj(members) => match rng.below(7) {
            0 | 1 if !members.is_empty() => {
                members.remove(rng.below(members.len()));
            }
            2 if !members.is_empty() => {
                // A duplicate key, after or before the original (serde_json keeps the
                // last; a streaming decoder may keep either).
                let i = rng.below(members.len());
                let key = members[i].0.clone();
                let value = if rng.one_in(2) {
                    scalar(rng)
                } else {
                    members[i].1.clone()
                };
                let at = if rng.one_in(2) { members.len() } else { i };
                members.insert(at, (key, value));
            }
            3 if !members.is_empty() => {
                let i = rng.below(members.len());
                let key = &mut members[i].0;
                *key = match rng.below(4) {
                    0 => key.to_uppercase(),
                    1 => format!("{key} "),
                    2 => String::new(),
                    _ => format!("{key}\u{0}"),
                };
            }
            4 if members.len() > 1 => {
                let (a, b) = (rng.below(members.len()), rng.below(members.len()));
                members.swap(a, b);
            }
            5 => members.clear(),
            _ => {
                let key = (*rng.pick(&[
                    "code",
                    "total",
                    "totalCount",
                    "members",
                    "member",
                    "backendSet",
                    "data",
                    "page_info",
                    "next_marker",
                    "id",
                    "ports",
                    "error_code",
                    "x",
                ]))
                .to_owned();
                members.push((key, scalar(rng)));
            }
        },
        Node::Arr(items) => match rng.below(6) {
            0 if !items.is_empty() => {
                items.remove(rng.below(items.len()));
            }
            1 | 2 if !items.is_empty() => {
                let i = rng.below(items.len());
                let copies = 1 + rng.below(4);
                for _ in 0..copies {
                    items.push(items[i].clone());
                }
            }
            3 if items.len() > 1 => {
                let (a, b) = (rng.below(items.len()), rng.below(items.len()));
                items.swap(a, b);
            }
            4 => items.clear(),
            _ => items.insert(rng.below(items.len() + 1), scalar(rng)),
        },
        // A scalar becomes a container holding it.
        _ => wrap(rng, node),
    }
}

/// An object into the array of its values (serde's sequence form of a struct), an
/// array into an object keyed by position.
fn flip_container(node: &mut Node) {
    *node = match std::mem::replace(node, Node::Null) {
        Node::Obj(members) => Node::Arr(members.into_iter().map(|(_, v)| v).collect()),
        Node::Arr(items) => Node::Obj(
            items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v))
                .collect(),
        ),
        Node::Null => Node::Obj(Vec::new()),
        other => Node::Arr(vec![other]),
    };
}

fn wrap(rng: &mut Rng, node: &mut Node) {
    let inner = std::mem::replace(node, Node::Null);
    *node = if rng.one_in(2) {
        Node::Arr(vec![inner])
    } else {
        Node::Obj(vec![("value".to_owned(), inner)])
    };
}

/// The rare expensive ones: a long string, deep nesting, many records.
fn huge(rng: &mut Rng, node: &mut Node, size: Size) {
    let (string, records) = match size {
        Size::Full => (1 << 20, 5_000),
        Size::Smoke => (1 << 16, 500),
    };
    match rng.below(4) {
        0 => *node = Node::Str("a".repeat(string)),
        1 => *node = Node::Raw(nesting(rng, size)),
        2 => {
            if let Node::Arr(items) = node {
                if let Some(first) = items.first().cloned() {
                    items.resize(records, first);
                    return;
                }
            }
            *node = Node::Str(format!("{}é", "9".repeat(1 + rng.below(10_000))));
        }
        _ => *node = Node::Num("9".repeat(1 + rng.below(5_000))),
    }
}

/// Nesting around a value: 64 to 100,000 levels of arrays or objects.
fn nesting(rng: &mut Rng, size: Size) -> String {
    let depths: &[usize] = match size {
        Size::Full => &[64, 127, 128, 129, 1_000, 100_000],
        Size::Smoke => &[64, 127, 128, 129, 1_000],
    };
    let depth = *rng.pick(depths);
    let (open, close) = if rng.one_in(2) {
        ("[", "]")
    } else {
        ("{\"a\":", "}")
    };
    let mut s = String::with_capacity(depth * (open.len() + 1) + 1);
    for _ in 0..depth {
        s.push_str(open);
    }
    s.push('1');
    // Sometimes left unclosed: a parser must give up, not recurse further.
    if !rng.one_in(4) {
        for _ in 0..depth {
            s.push_str(close);
        }
    }
    s
}

/// Byte-level damage to a rendered body.
fn damage(rng: &mut Rng, out: &mut Vec<u8>) {
    let len = out.len();
    match rng.below(7) {
        0 | 1 => out.truncate(rng.below(len + 1)),
        2 => {
            if len > 0 {
                let i = rng.below(len);
                out[i] ^= 1 << rng.below(8);
            }
        }
        3 => {
            // Invalid UTF-8 right after a quote: inside a key or a string, mostly.
            let quotes = out.iter().filter(|b| **b == b'"').count();
            let mut n = rng.below(quotes.max(1));
            let at = out
                .iter()
                .position(|b| {
                    if *b == b'"' {
                        if n == 0 {
                            return true;
                        }
                        n -= 1;
                    }
                    false
                })
                .map_or(0, |i| i + 1);
            let bad = rng.pick(BAD_UTF8);
            out.splice(at..at, bad.iter().copied());
        }
        4 => {
            let at = rng.below(len + 1);
            let bad = rng.pick(BAD_UTF8);
            out.splice(at..at, bad.iter().copied());
        }
        5 => {
            let at = rng.below(len + 1);
            let end = (at + rng.below(16)).min(len);
            out.drain(at..end);
        }
        _ => {
            let at = rng.below(len + 1);
            let end = (at + rng.below(64)).min(len);
            let chunk = out[at..end].to_vec();
            out.splice(at..at, chunk);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_vary_and_are_reproducible() {
        let v: serde_json::Value =
            serde_json::from_str(r#"{"code":0,"data":[{"id":"a","n":1}]}"#).unwrap();
        let seed = Node::from_value(&v);
        let make = |s| body(&mut Rng::new(s), &seed, Size::Smoke);
        assert_eq!(make(5), make(5));
        let distinct: std::collections::HashSet<Vec<u8>> = (0..200).map(make).collect();
        assert!(distinct.len() > 150, "{}", distinct.len());
    }
}
