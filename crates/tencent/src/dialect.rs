//! The legacy API as a core [`Dialect`]: every attempt (retries included) gets the
//! common parameters with a fresh `Timestamp` and `Nonce` and a new signature, and
//! every response is checked against the envelope.

use std::time::{SystemTime, UNIX_EPOCH};

use http::{header::CONTENT_TYPE, HeaderValue, Method};
use lb_backends_core::{
    transport::{encode::encode_query, Dialect, OutgoingRequest, RawResponse},
    ExposeSecret, Result,
};
use rand::Rng;

use crate::{
    credentials::TencentCredentials,
    envelope,
    signer::{sign, string_to_sign, SignatureMethod},
};

/// The parameters the dialect adds itself; action parameters may not use them.
pub(crate) const COMMON_PARAMS: [&str; 8] = [
    "Action",
    "Region",
    "Timestamp",
    "Nonce",
    "SecretId",
    "SignatureMethod",
    "Token",
    "Signature",
];

/// Signs one action's attempts and checks its responses.
#[derive(Debug)]
pub(crate) struct TencentDialect<'a> {
    pub action: &'static str,
    pub region: &'a str,
    pub credentials: &'a TencentCredentials,
    pub signature_method: SignatureMethod,
}

/// A random positive nonce: 63 bits, as the official Python SDK draws them, so two
/// attempts practically never share one.
pub(crate) fn fresh_nonce() -> u64 {
    rand::rng().random_range(1..=i64::MAX.unsigned_abs())
}

fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Dialect for TencentDialect<'_> {
    fn name(&self) -> &'static str {
        "tencent"
    }

    fn sign(&self, request: &mut OutgoingRequest) -> Result<()> {
        let mut params = std::mem::take(&mut request.query);
        params.retain(|(k, _)| !COMMON_PARAMS.contains(&k.as_str()));
        params.push(("Action".into(), self.action.into()));
        params.push(("Region".into(), self.region.into()));
        params.push(("Timestamp".into(), now_unix().to_string()));
        params.push(("Nonce".into(), fresh_nonce().to_string()));
        params.push(("SecretId".into(), self.credentials.secret_id().into()));
        params.push((
            "SignatureMethod".into(),
            self.signature_method.as_str().into(),
        ));
        if let Some(token) = self.credentials.token() {
            params.push(("Token".into(), token.expose_secret().to_owned()));
        }
        let to_sign = string_to_sign(
            request.method.as_str(),
            &request.host,
            request.url.path(),
            &params,
        );
        let signature = sign(
            self.signature_method,
            self.credentials.key_bytes(),
            &to_sign,
        );
        params.push(("Signature".into(), signature));
        if request.method == Method::POST {
            request.body = encode_query(&params).into();
            request.headers.insert(
                CONTENT_TYPE,
                HeaderValue::from_static("application/x-www-form-urlencoded"),
            );
        } else {
            request.query = params;
        }
        Ok(())
    }

    fn check(&self, response: &RawResponse) -> Result<()> {
        envelope::check(self.action, response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lb_backends_core::{transport::ApiRequest, Endpoint};

    fn creds() -> TencentCredentials {
        TencentCredentials::new("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "KEY-never-shown")
            .unwrap()
            .with_token("TOKEN-xyz")
    }

    fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn request(method: Method) -> ApiRequest {
        let endpoint = Endpoint::parse("http://127.0.0.1:9000").unwrap();
        ApiRequest::new("DescribeLoadBalancerBackends", method, &endpoint)
            .segments(["v2", "index.php"])
            .query("loadBalancerId", "lb-abcdefgh")
            .query("offset", 0)
    }

    #[test]
    fn each_signing_adds_common_params_with_a_new_nonce_and_a_valid_signature() {
        let creds = creds();
        let d = TencentDialect {
            action: "DescribeLoadBalancerBackends",
            region: "gz",
            credentials: &creds,
            signature_method: SignatureMethod::HmacSha256,
        };
        let req = request(Method::GET);
        let mut a = req.to_outgoing().unwrap();
        let mut b = req.to_outgoing().unwrap();
        d.sign(&mut a).unwrap();
        d.sign(&mut b).unwrap();
        assert_ne!(param(&a.query, "Nonce"), param(&b.query, "Nonce"));
        assert_ne!(param(&a.query, "Signature"), param(&b.query, "Signature"));
        for name in COMMON_PARAMS {
            assert!(param(&a.query, name).is_some(), "{name} missing");
        }
        assert!(param(&a.query, "Nonce").unwrap().parse::<u64>().unwrap() > 0);
        assert_eq!(
            param(&a.query, "Action"),
            Some("DescribeLoadBalancerBackends")
        );
        assert_eq!(param(&a.query, "Token"), Some("TOKEN-xyz"));
        // The server's view: re-sign what was sent, with the host and port.
        let without: Vec<_> = a.query.iter().filter(|(k, _)| k != "Signature").collect();
        let pairs: Vec<(&str, &str)> = without
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let s = string_to_sign("GET", "127.0.0.1:9000", "/v2/index.php", &pairs);
        assert!(
            s.starts_with("GET127.0.0.1:9000/v2/index.php?Action="),
            "{s}"
        );
        assert_eq!(
            param(&a.query, "Signature").unwrap(),
            sign(SignatureMethod::HmacSha256, b"KEY-never-shown", &s)
        );
        // The final URL encodes the Base64 signature.
        let url = a.final_url().to_string();
        assert!(!url.contains("KEY-never-shown"));
    }

    #[test]
    fn post_moves_every_param_into_a_form_body() {
        let creds = creds();
        let d = TencentDialect {
            action: "DescribeBmLocationBackends",
            region: "bj",
            credentials: &creds,
            signature_method: SignatureMethod::HmacSha1,
        };
        let mut out = request(Method::POST).to_outgoing().unwrap();
        d.sign(&mut out).unwrap();
        assert!(out.query.is_empty());
        assert_eq!(
            out.headers.get(CONTENT_TYPE).unwrap(),
            "application/x-www-form-urlencoded"
        );
        let body = String::from_utf8(out.body.to_vec()).unwrap();
        assert!(body.contains("Action=DescribeBmLocationBackends"), "{body}");
        assert!(body.contains("loadBalancerId=lb-abcdefgh"), "{body}");
        assert!(body.contains("&Signature="), "{body}");
        assert!(out.final_url().query().is_none());
    }

    #[test]
    fn common_params_cannot_be_smuggled_in() {
        let creds = creds();
        let d = TencentDialect {
            action: "A",
            region: "gz",
            credentials: &creds,
            signature_method: SignatureMethod::HmacSha1,
        };
        let endpoint = Endpoint::parse("https://lb.api.qcloud.com").unwrap();
        let req = ApiRequest::new("A", Method::GET, &endpoint).query("Nonce", "1");
        let mut out = req.to_outgoing().unwrap();
        d.sign(&mut out).unwrap();
        assert_eq!(out.query.iter().filter(|(k, _)| k == "Nonce").count(), 1);
        assert_ne!(param(&out.query, "Nonce"), Some("1"));
    }
}
