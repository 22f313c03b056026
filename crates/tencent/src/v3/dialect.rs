//! API 3.0 as a core [`Dialect`]: every attempt (retries included) gets a fresh
//! `X-TC-Timestamp` and TC3-HMAC-SHA256 signature; every answer is checked against
//! the `{"Response": ...}` envelope.

use std::time::{SystemTime, UNIX_EPOCH};

use http::{header, HeaderName, HeaderValue};
use lb_backends_core::{
    transport::{Dialect, OutgoingRequest, RawResponse},
    Error, ExposeSecret, Result,
};

use super::{envelope, sign};
use crate::credentials::TencentCredentials;

/// The `Content-Type` of every call (signed exactly as sent).
pub const CONTENT_TYPE_JSON: &str = "application/json";
/// The `X-TC-Language` sent: English error messages.
pub const LANGUAGE: &str = "en-US";
/// The `X-TC-RequestClient` sent (the SDKs send `SDK_PYTHON_<version>` and the like).
pub const REQUEST_CLIENT: &str = concat!("LBB_RUST_", env!("CARGO_PKG_VERSION"));

/// Signs one API 3.0 action's attempts and checks its responses.
#[derive(Debug)]
pub(crate) struct Tc3Dialect<'a> {
    /// The credential-scope service (`clb`, `bmlb`).
    pub service: &'static str,
    /// `X-TC-Version`.
    pub version: &'static str,
    /// `X-TC-Action`.
    pub action: &'static str,
    /// `X-TC-Region` (long form).
    pub region: &'a str,
    pub credentials: &'a TencentCredentials,
    /// A fixed clock for tests; `None` reads the system clock on every attempt.
    pub clock: Option<u64>,
}

fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn value(text: &str, what: &str) -> Result<HeaderValue> {
    HeaderValue::from_str(text)
        .map_err(|_| Error::invalid_input(format!("the {what} cannot go into an HTTP header")))
}

impl Dialect for Tc3Dialect<'_> {
    fn name(&self) -> &'static str {
        "tencent-api3"
    }

    fn sign(&self, request: &mut OutgoingRequest) -> Result<()> {
        // API 3.0 POSTs carry everything in the JSON body: no query.
        request.query.clear();
        let timestamp = self.clock.unwrap_or_else(now_unix);
        let signed = sign::sign(&sign::Tc3Request {
            method: request.method.as_str(),
            host: &request.host,
            query: "",
            content_type: CONTENT_TYPE_JSON,
            payload: &request.body,
            service: self.service,
            timestamp,
            secret_id: self.credentials.secret_id(),
            secret_key: self.credentials.key_bytes(),
        });
        let h = &mut request.headers;
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(CONTENT_TYPE_JSON),
        );
        h.insert(
            HeaderName::from_static("x-tc-action"),
            HeaderValue::from_static(self.action),
        );
        h.insert(
            HeaderName::from_static("x-tc-requestclient"),
            HeaderValue::from_static(REQUEST_CLIENT),
        );
        h.insert(
            HeaderName::from_static("x-tc-timestamp"),
            HeaderValue::from(timestamp),
        );
        h.insert(
            HeaderName::from_static("x-tc-version"),
            HeaderValue::from_static(self.version),
        );
        h.insert(
            HeaderName::from_static("x-tc-region"),
            value(self.region, "region")?,
        );
        if let Some(token) = self.credentials.token() {
            let mut v = value(token.expose_secret(), "session token")?;
            v.set_sensitive(true);
            h.insert(HeaderName::from_static("x-tc-token"), v);
        }
        h.insert(
            HeaderName::from_static("x-tc-language"),
            HeaderValue::from_static(LANGUAGE),
        );
        let mut auth = value(&signed.authorization, "Authorization")?;
        auth.set_sensitive(true);
        h.insert(header::AUTHORIZATION, auth);
        Ok(())
    }

    fn check(&self, response: &RawResponse) -> Result<()> {
        envelope::check(self.action, response)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use http::Method;
    use lb_backends_core::{transport::ApiRequest, Endpoint};
    use serde_json::Value;

    const VECTORS: &str = include_str!("../../../../tests/fixtures/tc3.json");

    /// The dialect's request for a POST vector equals the SDK's: headers and
    /// Authorization (the body is the SDK's own bytes).
    #[test]
    fn post_vectors_come_out_as_the_sdk_sent_them() {
        let all: Value = serde_json::from_str(VECTORS).unwrap();
        let mut checked = 0;
        for v in all["vectors"].as_array().unwrap() {
            let i = &v["inputs"];
            if i["method"] != "POST" || i["content_type"] != CONTENT_TYPE_JSON {
                continue;
            }
            let mut creds = TencentCredentials::new(
                i["secret_id"].as_str().unwrap(),
                i["secret_key"].as_str().unwrap(),
            )
            .unwrap();
            if let Some(t) = i["session_token"].as_str() {
                creds = creds.with_token(t);
            }
            let host = i["host"].as_str().unwrap();
            let endpoint = Endpoint::parse(&format!("https://{host}")).unwrap();
            let action: &'static str = Box::leak(i["action"].as_str().unwrap().into());
            let body = v["request"]["body"].as_str().unwrap().to_owned();
            let req = ApiRequest::new(action, Method::POST, &endpoint).body(body);
            let mut out = req.to_outgoing().unwrap();
            let d = Tc3Dialect {
                service: if i["service"] == "bmlb" {
                    "bmlb"
                } else {
                    "clb"
                },
                version: Box::leak(i["version"].as_str().unwrap().into()),
                action,
                region: i["region"].as_str().unwrap(),
                credentials: &creds,
                clock: i["timestamp"].as_u64(),
            };
            d.sign(&mut out).unwrap();
            let want = &v["request"]["headers"];
            for name in [
                "Content-Type",
                "X-TC-Action",
                "X-TC-Timestamp",
                "X-TC-Version",
                "X-TC-Region",
                "X-TC-Token",
                "Authorization",
            ] {
                let got = out.headers.get(name).map(|h| h.to_str().unwrap());
                assert_eq!(got, want[name].as_str(), "{}: {name}", v["name"]);
            }
            assert_eq!(out.host, host);
            assert_eq!(out.final_url().path(), "/");
            assert!(out.final_url().query().is_none());
            checked += 1;
        }
        assert!(checked >= 8, "{checked}");
    }

    #[test]
    fn every_attempt_is_signed_afresh_and_secrets_stay_hidden() {
        let creds = TencentCredentials::new("AKIDtest", "KEY-never-shown")
            .unwrap()
            .with_token("TOKEN-never-shown");
        let endpoint = Endpoint::parse("http://127.0.0.1:9").unwrap();
        let req = ApiRequest::new("DescribeTargets", Method::POST, &endpoint).body("{}");
        let sign_at = |ts| {
            let d = Tc3Dialect {
                service: "clb",
                version: "2018-03-17",
                action: "DescribeTargets",
                region: "ap-guangzhou",
                credentials: &creds,
                clock: Some(ts),
            };
            let mut out = req.to_outgoing().unwrap();
            d.sign(&mut out).unwrap();
            out
        };
        let a = sign_at(1_700_000_000);
        let b = sign_at(1_700_000_001);
        assert_ne!(a.headers["authorization"], b.headers["authorization"]);
        assert!(a.headers["authorization"].is_sensitive());
        assert!(a.headers["x-tc-token"].is_sensitive());
        assert!(
            a.headers.get("host").is_none(),
            "reqwest sets Host from the URL"
        );
        let shown = format!("{a:?}");
        assert!(!shown.contains("KEY-never-shown") && !shown.contains("TOKEN-never-shown"));
    }
}
