//! A call as providers describe it ([`ApiRequest`]), as a signer sees one attempt of
//! it ([`OutgoingRequest`]), and what came back ([`RawResponse`]).

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use serde::Serialize;
use url::Url;

use super::encode::{encode_component, encode_query};
use crate::{validate::shorten, Endpoint, Error, Result};

/// One API call, before signing. Build it with the chained methods.
///
/// ```
/// use http::Method;
/// use lb_backends_core::{Endpoint, transport::ApiRequest};
/// let endpoint = Endpoint::parse("https://elb.cn-north-4.myhuaweicloud.com")?;
/// let req = ApiRequest::new("ListMembers", Method::GET, &endpoint)
///     .segments(["v3", "p1", "elb", "pools", "pool 1", "members"])
///     .query("limit", "2000");
/// assert_eq!(req.encoded_path(), "/v3/p1/elb/pools/pool%201/members");
/// assert!(req.is_idempotent());
/// # Ok::<(), lb_backends_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ApiRequest {
    action: &'static str,
    method: Method,
    endpoint: Endpoint,
    segments: Vec<String>,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
    idempotent: bool,
}

impl ApiRequest {
    /// A call named `action` (for logs and errors) to `endpoint`. GET, HEAD, PUT,
    /// DELETE and OPTIONS count as idempotent; POST does not unless told.
    pub fn new(action: &'static str, method: Method, endpoint: &Endpoint) -> Self {
        let idempotent = matches!(
            method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        );
        Self {
            action,
            method,
            endpoint: endpoint.clone(),
            segments: Vec::new(),
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: Bytes::new(),
            idempotent,
        }
    }

    /// Append one path segment; it is percent-encoded, so an id can never add a
    /// segment, a query or a fragment.
    #[must_use]
    pub fn segment(mut self, segment: impl Into<String>) -> Self {
        self.segments.push(segment.into());
        self
    }

    /// Append several path segments.
    #[must_use]
    pub fn segments<I, S>(mut self, segments: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.segments.extend(segments.into_iter().map(Into::into));
        self
    }

    /// Add a query parameter (repeat the key for multi-valued filters).
    #[must_use]
    pub fn query(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        self.query.push((key.into(), value.to_string()));
        self
    }

    /// Set a header.
    #[must_use]
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// Set a JSON body.
    pub fn json_body(mut self, body: &impl Serialize) -> Result<Self> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::invalid_input(format!("could not encode the request body: {e}")))?;
        self.body = Bytes::from(bytes);
        Ok(self)
    }

    /// Set a raw body.
    #[must_use]
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Say whether sending this twice is harmless.
    #[must_use]
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// The action name.
    pub fn action(&self) -> &'static str {
        self.action
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// Whether sending this twice is harmless.
    pub fn is_idempotent(&self) -> bool {
        self.idempotent
    }

    /// The query parameters, unencoded.
    pub fn query_pairs(&self) -> &[(String, String)] {
        &self.query
    }

    /// The path as it goes on the wire: the endpoint's own path, then each segment
    /// percent-encoded. Contains ids only, so it is safe to log.
    pub fn encoded_path(&self) -> String {
        let base = self.endpoint.url().path().trim_end_matches('/');
        let mut path = String::from(base);
        for s in &self.segments {
            path.push('/');
            path.push_str(&encode_component(s));
        }
        if path.is_empty() {
            path.push('/');
        }
        path
    }

    /// The request as it stands before a signer adds to it, for one attempt.
    pub fn to_outgoing(&self) -> Result<OutgoingRequest> {
        if let Some(bad) = self
            .segments
            .iter()
            .find(|s| s.is_empty() || *s == "." || *s == "..")
        {
            return Err(Error::invalid_input(format!(
                "path segment {:?} is not allowed",
                shorten(bad)
            )));
        }
        let mut url = self.endpoint.url().clone();
        url.set_path(&self.encoded_path());
        url.set_query(None);
        Ok(OutgoingRequest {
            method: self.method.clone(),
            host: self.endpoint.host_header(),
            url,
            query: self.query.clone(),
            headers: self.headers.clone(),
            body: self.body.clone(),
        })
    }
}

/// One attempt of a call, as a signer sees it and may change it. The transport
/// renders `query` onto `url` after signing, encoded as [`encode_query`] does.
///
/// Its `Debug` shows the method, host, path, the query's names and the body's length,
/// never values: once signed they can hold a signature or a token.
#[derive(Clone)]
#[non_exhaustive]
pub struct OutgoingRequest {
    /// The HTTP method.
    pub method: Method,
    /// The `Host` header value: host, and `:port` when it is not the default.
    pub host: String,
    /// Scheme, host, port and encoded path; no query.
    pub url: Url,
    /// Query parameters, unencoded, in sending order.
    pub query: Vec<(String, String)>,
    /// Headers to send.
    pub headers: HeaderMap,
    /// The body (empty for none).
    pub body: Bytes,
}

impl std::fmt::Debug for OutgoingRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.query.iter().map(|(k, _)| k.as_str()).collect();
        let headers: Vec<&str> = self.headers.keys().map(|k| k.as_str()).collect();
        f.debug_struct("OutgoingRequest")
            .field("method", &self.method)
            .field("host", &self.host)
            .field("path", &self.url.path())
            .field("query_names", &names)
            .field("header_names", &headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl OutgoingRequest {
    /// The final URL with its encoded query.
    pub fn final_url(&self) -> Url {
        let mut url = self.url.clone();
        if !self.query.is_empty() {
            url.set_query(Some(&encode_query(&self.query)));
        }
        url
    }
}

/// A response, read whole.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RawResponse {
    /// HTTP status code.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl RawResponse {
    /// A response from its parts (for tests and custom transports).
    pub fn new(status: u16, headers: HeaderMap, body: impl Into<Bytes>) -> Self {
        Self {
            status,
            headers,
            body: body.into(),
        }
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The request id from the `X-Request-Id` header, when present.
    pub fn header_request_id(&self) -> Option<String> {
        self.headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .filter(|s| !s.is_empty())
    }

    /// The first 200 characters of the body, with control characters and runs of
    /// white space folded, for error messages about bodies we cannot read.
    pub fn body_excerpt(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let folded: String = text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .filter(|c| !c.is_control())
            .collect();
        let mut out: String = folded.chars().take(200).collect();
        if folded.chars().count() > 200 {
            out.push('…');
        }
        out
    }
}
