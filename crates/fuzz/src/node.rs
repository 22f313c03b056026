//! The document a body is made from: a JSON tree that can also hold what
//! `serde_json::Value` cannot (duplicate keys, the exact text of a number, raw text
//! such as a lone surrogate escape or nesting deeper than any parser accepts).

use serde_json::Value;

/// A JSON document under construction.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as the exact text to send (`1e400`, `-0`, `18446744073709551616`).
    Num(String),
    /// A string, escaped when rendered.
    Str(String),
    /// An array.
    Arr(Vec<Node>),
    /// An object: an ordered list of members, so keys may repeat.
    Obj(Vec<(String, Node)>),
    /// Text sent as it is.
    Raw(String),
}

impl Node {
    /// The tree of a parsed value.
    pub fn from_value(v: &Value) -> Node {
        match v {
            Value::Null => Node::Null,
            Value::Bool(b) => Node::Bool(*b),
            Value::Number(n) => Node::Num(n.to_string()),
            Value::String(s) => Node::Str(s.clone()),
            Value::Array(items) => Node::Arr(items.iter().map(Node::from_value).collect()),
            Value::Object(map) => Node::Obj(
                map.iter()
                    .map(|(k, v)| (k.clone(), Node::from_value(v)))
                    .collect(),
            ),
        }
    }

    /// Append the JSON text of this tree to `out`.
    pub fn render(&self, out: &mut Vec<u8>) {
        match self {
            Node::Null => out.extend_from_slice(b"null"),
            Node::Bool(true) => out.extend_from_slice(b"true"),
            Node::Bool(false) => out.extend_from_slice(b"false"),
            Node::Num(n) | Node::Raw(n) => out.extend_from_slice(n.as_bytes()),
            Node::Str(s) => render_str(s, out),
            Node::Arr(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    item.render(out);
                }
                out.push(b']');
            }
            Node::Obj(members) => {
                out.push(b'{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    render_str(k, out);
                    out.push(b':');
                    v.render(out);
                }
                out.push(b'}');
            }
        }
    }

    /// The number of nodes at depth `max_depth` or less (the root is at depth 0).
    pub fn count(&self, max_depth: usize) -> usize {
        1 + match self {
            _ if max_depth == 0 => 0,
            Node::Arr(items) => items.iter().map(|n| n.count(max_depth - 1)).sum(),
            Node::Obj(members) => members.iter().map(|(_, n)| n.count(max_depth - 1)).sum(),
            _ => 0,
        }
    }

    /// The `k`-th node in pre-order among those at depth `max_depth` or less.
    pub fn nth_mut(&mut self, k: &mut usize, max_depth: usize) -> Option<&mut Node> {
        if *k == 0 {
            return Some(self);
        }
        *k -= 1;
        if max_depth == 0 {
            return None;
        }
        match self {
            Node::Arr(items) => items.iter_mut().find_map(|n| n.nth_mut(k, max_depth - 1)),
            Node::Obj(members) => members
                .iter_mut()
                .find_map(|(_, n)| n.nth_mut(k, max_depth - 1)),
            _ => None,
        }
    }
}

/// A JSON string literal.
fn render_str(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if escape.is_empty() {
            out.extend_from_slice(format!("\\u{b:04x}").as_bytes());
        } else {
            out.extend_from_slice(escape);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendering_round_trips_and_keeps_duplicates() {
        let v: Value =
            serde_json::from_str(r#"{"a":[1,-2.5,"x\"\n\u0001é"],"b":{"c":null,"d":true}}"#)
                .unwrap();
        let mut out = Vec::new();
        Node::from_value(&v).render(&mut out);
        assert_eq!(serde_json::from_slice::<Value>(&out).unwrap(), v);
        let dup = Node::Obj(vec![
            ("k".into(), Node::Num("1".into())),
            ("k".into(), Node::Raw("\"\\ud800\"".into())),
        ]);
        let mut out = Vec::new();
        dup.render(&mut out);
        assert_eq!(out, br#"{"k":1,"k":"\ud800"}"#);
    }

    #[test]
    fn nodes_are_numbered_in_pre_order() {
        let mut n = Node::Arr(vec![Node::Arr(vec![Node::Null]), Node::Bool(true)]);
        assert_eq!((n.count(usize::MAX), n.count(1), n.count(0)), (4, 3, 1));
        assert_eq!(n.nth_mut(&mut 2, usize::MAX), Some(&mut Node::Null));
        assert_eq!(n.nth_mut(&mut 2, 1), Some(&mut Node::Bool(true)));
    }
}
