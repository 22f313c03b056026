//! Compact storage for the text of stored resources: [`Text`] holds a short string or a
//! canonical UUID inline (24 bytes, no allocation), and [`Interner`] shares the strings
//! that many records repeat (project ids, subnet ids, statuses, zones).
//!
//! With a million generated members, a `String` per field (24 bytes plus an allocation
//! of at least 32) is most of the emulator's memory; these types keep a member and its
//! port well under a kilobyte.

use std::collections::HashSet;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use serde::{Serialize, Serializer};

/// Longest string kept inline.
const INLINE: usize = 22;

/// A string of a stored record: inline when short, 16 bytes when a lowercase hyphenated
/// UUID, else on the heap. Always gives back exactly the text it was made from.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Text {
    /// Up to [`INLINE`] bytes.
    Inline { len: u8, buf: [u8; INLINE] },
    /// A UUID in its canonical lowercase 8-4-4-4-12 form.
    Uuid([u8; 16]),
    /// Anything longer.
    Heap(Box<str>),
}

impl Default for Text {
    fn default() -> Self {
        Text::Inline {
            len: 0,
            buf: [0; INLINE],
        }
    }
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

/// Byte positions of the hyphens of a canonical UUID.
const HYPHENS: [usize; 4] = [8, 13, 18, 23];

fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    let b = s.as_bytes();
    if b.len() != 36 || HYPHENS.iter().any(|&i| b[i] != b'-') {
        return None;
    }
    let mut out = [0u8; 16];
    let mut nibbles = b
        .iter()
        .enumerate()
        .filter(|(i, _)| !HYPHENS.contains(i))
        .map(|(_, &c)| c);
    for byte in &mut out {
        let hi = hex_val(nibbles.next()?)?;
        let lo = hex_val(nibbles.next()?)?;
        *byte = hi << 4 | lo;
    }
    Some(out)
}

/// The text of a [`Text`], borrowed or (for a UUID) formatted on the stack.
pub(crate) enum TextRef<'a> {
    Borrowed(&'a str),
    Uuid([u8; 36]),
}

impl Deref for TextRef<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            TextRef::Borrowed(s) => s,
            // Only ASCII hex digits and hyphens are ever written.
            TextRef::Uuid(b) => std::str::from_utf8(b).unwrap_or_default(),
        }
    }
}

impl Text {
    /// Stores `s`.
    pub(crate) fn new(s: &str) -> Text {
        if s.len() <= INLINE {
            let mut buf = [0u8; INLINE];
            buf[..s.len()].copy_from_slice(s.as_bytes());
            return Text::Inline {
                len: s.len() as u8,
                buf,
            };
        }
        match parse_uuid(s) {
            Some(u) => Text::Uuid(u),
            None => Text::Heap(s.into()),
        }
    }

    /// The text.
    pub(crate) fn get(&self) -> TextRef<'_> {
        match self {
            Text::Inline { len, buf } => {
                TextRef::Borrowed(std::str::from_utf8(&buf[..usize::from(*len)]).unwrap_or(""))
            }
            Text::Heap(s) => TextRef::Borrowed(s),
            Text::Uuid(u) => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let mut out = [b'-'; 36];
                let mut pos = 0;
                for byte in u {
                    while HYPHENS.contains(&pos) {
                        pos += 1;
                    }
                    out[pos] = HEX[usize::from(byte >> 4)];
                    out[pos + 1] = HEX[usize::from(byte & 0xf)];
                    pos += 2;
                }
                TextRef::Uuid(out)
            }
        }
    }

    /// Whether the text is empty.
    pub(crate) fn is_empty(&self) -> bool {
        matches!(self, Text::Inline { len: 0, .. })
    }

    /// The text as an owned `String`.
    pub(crate) fn to_owned_string(&self) -> String {
        self.get().to_string()
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text::new(s)
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        &*self.get() == other
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.get(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.get())
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.get())
    }
}

/// One shared copy of each repeated string.
#[derive(Debug, Default)]
pub(crate) struct Interner(HashSet<Arc<str>>);

impl Interner {
    /// The shared copy of `s`.
    pub(crate) fn get(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.0.get(s) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(s);
        self.0.insert(a.clone());
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_gives_back_what_it_was_given() {
        for s in [
            "",
            "v4",
            "member-00001",
            "2025-01-01T00:00:00Z",
            "0123456789012345678901",
            "01234567890123456789012",
            "36ce7086-a496-4666-9064-5ba0e6840c75",
            "36CE7086-A496-4666-9064-5BA0E6840C75",
            "36ce7086-a496-4666-9064-5ba0e6840c7g",
            "36ce7086xa496-4666-9064-5ba0e6840c75",
            "ünïcödé and a rather long name for a member",
        ] {
            let t = Text::new(s);
            assert_eq!(&*t.get(), s);
            assert_eq!(t.is_empty(), s.is_empty());
            assert_eq!(
                serde_json::to_string(&t).unwrap(),
                serde_json::to_string(s).unwrap()
            );
        }
        assert!(matches!(
            Text::new("36ce7086-a496-4666-9064-5ba0e6840c75"),
            Text::Uuid(_)
        ));
        assert_eq!(std::mem::size_of::<Text>(), 24);
    }

    #[test]
    fn interner_shares() {
        let mut i = Interner::default();
        let a = i.get("ONLINE");
        let b = i.get("ONLINE");
        assert!(Arc::ptr_eq(&a, &b));
    }
}
