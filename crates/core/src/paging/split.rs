//! Reading a page once: its records split from their array and decoded in the same
//! pass, each kept as the exact text the cloud sent.

use serde::Deserialize;
use serde_json::value::RawValue;

/// A page read by [`split_page`]: what each record became, and the envelope's other
/// members as text.
#[derive(Debug)]
pub struct SplitPage<'de, R> {
    /// What `each` made of the records of the array, in order; `None` when the
    /// envelope has no such key.
    pub records: Option<Vec<R>>,
    /// The envelope's other keys and their values' text (each a checked JSON value),
    /// in order.
    pub others: Vec<(&'de str, &'de str)>,
}

impl<'de, R> SplitPage<'de, R> {
    /// The text of the envelope's value at `key`, when it has one.
    pub fn other(&self, key: &str) -> Option<&'de str> {
        self.others.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

/// Reads a page that is a JSON object holding its records as an array under
/// `array_key`, in one pass: each record that is an object is decoded as `T` straight
/// from the page's text (borrowing), and handed to `each` with its text, the exact
/// bytes the cloud sent for it (a checked JSON value, fit for
/// [`RawRecord::from_checked`](crate::RawRecord::from_checked)). A record that is not
/// an object, or that `T` does not decode (a key twice, ...), is handed over as `None`
/// with its text.
///
/// `None` when the page is not that simple shape: not UTF-8, not JSON, not an
/// object, a key written with an escape or given twice, `array_key` not an array.
/// The caller then reads the page the slow way, which says exactly what is wrong.
/// Every byte of a page read here was checked as JSON: the records by their decode
/// (or as a raw value), the envelope's structure here, its other values as raw values.
///
/// ```
/// use lb_backends_core::paging::split_page;
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct Item<'a> {
///     id: &'a str,
/// }
///
/// let body = br#"{"items": [{"id": "a", "x": 1}, 7], "next": "b"}"#;
/// let page = split_page::<Item<'_>, _>(body, "items", |text, item| {
///     (text, item.map(|i| i.id))
/// })
/// .unwrap();
/// assert_eq!(page.other("next"), Some(r#""b""#));
/// assert_eq!(
///     page.records.unwrap(),
///     [(r#"{"id": "a", "x": 1}"#, Some("a")), ("7", None)]
/// );
/// assert!(split_page::<Item<'_>, _>(b"[1]", "items", |_, _| ()).is_none());
/// ```
pub fn split_page<'de, T, R>(
    body: &'de [u8],
    array_key: &str,
    mut each: impl FnMut(&'de str, Option<T>) -> R,
) -> Option<SplitPage<'de, R>>
where
    T: Deserialize<'de>,
{
    let text = std::str::from_utf8(body).ok()?;
    let mut at = Cursor { text, pos: 0 };
    at.expect(b'{')?;
    let mut page = SplitPage {
        records: None,
        others: Vec::new(),
    };
    if at.peek() == Some(b'}') {
        at.pos += 1;
        return at.at_end().then_some(page);
    }
    loop {
        let key = at.key()?;
        at.expect(b':')?;
        if key == array_key {
            if page.records.is_some() {
                return None;
            }
            page.records = Some(at.records(&mut each)?);
        } else {
            if page.others.iter().any(|(k, _)| *k == key) {
                return None;
            }
            let value = at.value::<&RawValue>()?.0;
            page.others.push((key, value.get()));
        }
        match at.next_byte()? {
            b',' => continue,
            b'}' => break,
            _ => return None,
        }
    }
    at.at_end().then_some(page)
}

/// A position in the page's text.
struct Cursor<'de> {
    text: &'de str,
    pos: usize,
}

impl<'de> Cursor<'de> {
    fn skip_blanks(&mut self) {
        let bytes = self.text.as_bytes();
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_blanks();
        self.text.as_bytes().get(self.pos).copied()
    }

    fn next_byte(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    fn expect(&mut self, want: u8) -> Option<()> {
        (self.next_byte()? == want).then_some(())
    }

    fn at_end(&mut self) -> bool {
        self.peek().is_none()
    }

    /// A key without escapes (one with escapes is left to the slow path).
    fn key(&mut self) -> Option<&'de str> {
        self.expect(b'"')?;
        let rest = &self.text.as_bytes()[self.pos..];
        let len = rest.iter().position(|&b| b == b'"' || b == b'\\')?;
        if rest[len] != b'"' || rest[..len].iter().any(|&b| b < 0x20) {
            return None;
        }
        let key = &self.text[self.pos..self.pos + len];
        self.pos += len + 1;
        Some(key)
    }

    /// One JSON value decoded as `T` from here, and its text.
    fn value<T: Deserialize<'de>>(&mut self) -> Option<(T, &'de str)> {
        self.skip_blanks();
        let start = self.pos;
        let mut stream = serde_json::Deserializer::from_str(&self.text[start..]).into_iter::<T>();
        let value = stream.next()?.ok()?;
        self.pos = start + stream.byte_offset();
        Some((value, &self.text[start..self.pos]))
    }

    /// The array of records from here, each through `each`.
    fn records<T: Deserialize<'de>, R>(
        &mut self,
        each: &mut impl FnMut(&'de str, Option<T>) -> R,
    ) -> Option<Vec<R>> {
        self.expect(b'[')?;
        let mut out = Vec::new();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Some(out);
        }
        loop {
            let start = self.pos;
            let decoded = if self.peek() == Some(b'{') {
                self.value::<T>()
            } else {
                None
            };
            match decoded {
                Some((record, text)) => out.push(each(text, Some(record))),
                None => {
                    self.pos = start;
                    let (raw, _) = self.value::<&RawValue>()?;
                    out.push(each(raw.get(), None));
                }
            }
            match self.next_byte()? {
                b',' => continue,
                b']' => return Some(out),
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::IgnoredAny;

    fn is_json(text: &str) -> bool {
        serde_json::from_str::<IgnoredAny>(text).is_ok()
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Item<'a> {
        #[serde(borrow)]
        id: Option<std::borrow::Cow<'a, str>>,
    }

    /// Each record's text and whether it decoded; the other keys and their text.
    type Split = (Vec<(String, bool)>, Vec<(String, String)>);

    fn split(body: &str) -> Option<Split> {
        let page = split_page::<Item<'_>, _>(body.as_bytes(), "items", |text, item| {
            (text.to_owned(), item.is_some())
        })?;
        Some((
            page.records.unwrap_or_default(),
            page.others
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        ))
    }

    #[test]
    fn records_keep_their_exact_text() {
        let (records, others) = split(
            " {\"a\" : [1, {}] ,\"items\":[ {\"id\": \"x\\u00e9\" } ,\n{\"id\":\"y\",\"z\":[1,{\"q\":null}]},3 , \"s\", [1], {\"id\": 3}],\"n\":null}\n",
        )
        .unwrap();
        let texts: Vec<&str> = records.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(
            texts,
            [
                "{\"id\": \"x\\u00e9\" }",
                "{\"id\":\"y\",\"z\":[1,{\"q\":null}]}",
                "3",
                "\"s\"",
                "[1]",
                "{\"id\": 3}"
            ]
        );
        let decoded: Vec<bool> = records.iter().map(|(_, d)| *d).collect();
        assert_eq!(decoded, [true, true, false, false, false, false]);
        assert_eq!(
            others,
            [
                ("a".to_owned(), "[1, {}]".to_owned()),
                ("n".to_owned(), "null".to_owned())
            ]
        );
        for (text, _) in &records {
            assert!(is_json(text), "{text}");
        }
    }

    #[test]
    fn anything_but_the_simple_shape_is_left_to_the_slow_path() {
        for body in [
            "",
            "[]",
            "{",
            "{}x",
            r#"{"items": [1,]}"#,
            r#"{"items": [1 2]}"#,
            r#"{"items": [{"id": "a"}, {"id": "b"]}"#,
            r#"{"items": [], "items": []}"#,
            r#"{"n": 1, "n": 2}"#,
            r#"{"it\u0065ms": []}"#,
            r#"{"items": null}"#,
            r#"{"items": [tru]}"#,
            r#"{"items": [{"id": "a", "x": tru}]}"#,
            r#"{"items": [{"id": "a\u0000"}], "n": tru}"#,
            r#"{"items": [], "n": 01}"#,
            "{\"items\": [\"\u{1}\"]}",
            r#"{"items": []},"#,
        ] {
            assert!(split(body).is_none(), "{body}");
        }
        assert!(
            split_page::<Item<'_>, _>(b"{\"items\": [\"\xff\"]}", "items", |_, _| ()).is_none()
        );
        let (records, others) = split("{}").unwrap();
        assert!(records.is_empty() && others.is_empty());
        assert!(split(r#"{"n": 1}"#).unwrap().0.is_empty());
    }

    #[test]
    fn a_record_with_a_key_twice_is_handed_over_undecoded() {
        let (records, _) = split(r#"{"items": [{"id": "a", "id": "b"}]}"#).unwrap();
        assert_eq!(records, [(r#"{"id": "a", "id": "b"}"#.to_owned(), false)]);
    }
}
