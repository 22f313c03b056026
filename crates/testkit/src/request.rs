//! One request as the server received it, and reading it off a socket.

use tokio::{io::AsyncReadExt, net::TcpStream};

/// One request as a [`ScriptedServer`](crate::ScriptedServer) received it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Request {
    /// Which request of the server's run this is: 0 for the first to arrive.
    pub index: usize,
    /// The method (`GET`, `POST`, ...).
    pub method: String,
    /// The path and query, as sent (still percent-encoded).
    pub target: String,
    /// The header fields, in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body (as many bytes as `content-length` said), as text.
    pub body: String,
}

impl Request {
    /// The path, without the query.
    pub fn path(&self) -> &str {
        self.target
            .split_once('?')
            .map_or(self.target.as_str(), |(path, _)| path)
    }

    /// The query's `key=value` pairs in order, as sent (still percent-encoded); a
    /// key without `=` has an empty value.
    pub fn query_pairs(&self) -> Vec<(&str, &str)> {
        let Some((_, query)) = self.target.split_once('?') else {
            return Vec::new();
        };
        query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
            .collect()
    }

    /// The first value of query parameter `key`, as sent (still percent-encoded).
    pub fn query(&self, key: &str) -> Option<&str> {
        self.query_pairs()
            .into_iter()
            .find_map(|(k, v)| (k == key).then_some(v))
    }

    /// The first value of header `name` (compared without regard to case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Read one request: the head up to the blank line, then `content-length` bytes of
/// body. `None` when the client closed the connection before a whole head arrived.
pub(crate) async fn read(socket: &mut TcpStream) -> Option<Request> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.lines();
    let mut first = lines.next().unwrap_or_default().split(' ');
    let method = first.next().unwrap_or_default().to_owned();
    let target = first.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            Some((name.trim().to_owned(), value.trim().to_owned()))
        })
        .collect();
    let length: usize = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    Some(Request {
        index: 0,
        method,
        target,
        headers,
        body: String::from_utf8_lossy(&buf[head_end..]).into_owned(),
    })
}
