#![allow(clippy::unwrap_used)]

use std::time::Duration;

use lb_backends_core::{
    transport::{HttpTransport, RetryPolicy, TransportConfig},
    Endpoint, ErrorKind,
};
use lb_backends_testkit::{Reply, ScriptedServer};
use serde_json::{json, Value};

use super::*;
use crate::TencentCredentials;

fn client_for(server: &ScriptedServer, region: &str, token: Option<&str>) -> TencentClient {
    let transport = HttpTransport::new(TransportConfig {
        request_timeout: Duration::from_secs(5),
        retry: RetryPolicy::default()
            .with_max_attempts(4)
            .with_initial_backoff(Duration::from_millis(1))
            .with_max_backoff(Duration::from_millis(2)),
        ..TransportConfig::default()
    })
    .unwrap();
    let mut creds = TencentCredentials::new("AKIDtest3", "KEY-secret-3").unwrap();
    if let Some(t) = token {
        creds = creds.with_token(t);
    }
    TencentClient::builder()
        .region(region)
        .credentials(creds)
        .api(TencentApi::V3)
        .endpoint_clb(Endpoint::parse(server.url()).unwrap())
        .transport(transport)
        .build()
        .unwrap()
}

const OK: &str = r#"{"Response":{"Status":0,"RequestId":"r-ok"}}"#;
const LIMIT: &str = r#"{"Response":{"Error":{"Code":"RequestLimitExceeded","Message":"slow down"},"RequestId":"r-lim"}}"#;

/// The server's view: recompute the signature of what arrived.
fn verify(req: &lb_backends_testkit::Request, key: &str) {
    let ts: u64 = req.header("X-TC-Timestamp").unwrap().parse().unwrap();
    let signed = sign::sign(&sign::Tc3Request {
        method: &req.method,
        host: req.header("Host").unwrap(),
        query: "",
        content_type: req.header("Content-Type").unwrap(),
        payload: req.body.as_bytes(),
        service: "clb",
        timestamp: ts,
        secret_id: "AKIDtest3",
        secret_key: key.as_bytes(),
    });
    assert_eq!(
        req.header("Authorization"),
        Some(signed.authorization.as_str())
    );
}

#[tokio::test]
async fn posts_json_to_slash_with_the_sdk_headers() {
    let server = ScriptedServer::start([Reply::json(200, OK)]).await;
    let client = client_for(&server, "gz", Some("TOKEN-3"));
    let got: Value = client
        .call_v3(
            Service::Clb,
            "DescribeTaskStatus",
            &json!({"TaskId": "t-1"}),
            true,
        )
        .await
        .unwrap();
    assert_eq!(got["Status"], 0);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!((r.method.as_str(), r.target.as_str()), ("POST", "/"));
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    assert_eq!(r.header("X-TC-Action"), Some("DescribeTaskStatus"));
    assert_eq!(r.header("X-TC-Version"), Some("2018-03-17"));
    assert_eq!(
        r.header("X-TC-Region"),
        Some("ap-guangzhou"),
        "gz is mapped"
    );
    assert_eq!(r.header("X-TC-Token"), Some("TOKEN-3"));
    assert_eq!(r.header("X-TC-Language"), Some("en-US"));
    assert_eq!(
        serde_json::from_str::<Value>(&r.body).unwrap(),
        json!({"TaskId": "t-1"})
    );
    verify(r, "KEY-secret-3");
    assert!(!format!("{client:?}").contains("KEY-secret-3"));
    assert!(!format!("{client:?}").contains("TOKEN-3"));
}

#[tokio::test]
async fn request_limit_exceeded_is_retried_and_each_attempt_re_signed() {
    let server = ScriptedServer::start([
        Reply::json(200, LIMIT),
        Reply::json(200, LIMIT).with_delay(Duration::from_millis(1100)),
        Reply::json(200, OK),
    ])
    .await;
    let client = client_for(&server, "ap-shanghai", None);
    let _: Value = client
        .call_v3(Service::Clb, "RegisterTargets", &json!({}), false)
        .await
        .unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3, "throttled writes are resent");
    for r in &reqs {
        verify(r, "KEY-secret-3");
        assert!(r.header("X-TC-Token").is_none());
    }
    assert_ne!(
        reqs[0].header("X-TC-Timestamp"),
        reqs[2].header("X-TC-Timestamp"),
        "a fresh timestamp on a later attempt"
    );
}

#[tokio::test]
async fn retryable_codes_are_retried_others_are_not() {
    for (code, retried, kind) in [
        ("InternalError", true, ErrorKind::Service),
        ("ServiceUnavailable", true, ErrorKind::Service),
        (
            "FailedOperation.ResourceInOperating",
            true,
            ErrorKind::Conflict,
        ),
        ("AuthFailure.SignatureExpire", false, ErrorKind::Clock),
        (
            "AuthFailure.SignatureFailure",
            false,
            ErrorKind::Unauthorized,
        ),
        ("InvalidParameter", false, ErrorKind::InvalidInput),
    ] {
        let body = format!(
            r#"{{"Response":{{"Error":{{"Code":"{code}","Message":"m"}},"RequestId":"r-{code}"}}}}"#
        );
        let server = ScriptedServer::start_with(move |_| Reply::json(200, body.clone())).await;
        let client = client_for(&server, "ap-guangzhou", None);
        let err = client
            .call_v3::<Value>(Service::Clb, "DescribeTargets", &json!({}), true)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), kind, "{code}");
        assert_eq!(err.code(), Some(code));
        assert_eq!(err.request_id(), Some(format!("r-{code}").as_str()));
        let n = server.request_count();
        assert_eq!(n > 1, retried, "{code}: {n} requests");
    }
}

#[tokio::test]
async fn an_unknown_region_sends_nothing() {
    let server = ScriptedServer::start([Reply::json(200, OK)]).await;
    let err = TencentClient::builder()
        .region("atlantis")
        .credentials(TencentCredentials::new("a", "b").unwrap())
        .api(TencentApi::V3)
        .endpoint_clb(Endpoint::parse(server.url()).unwrap())
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    // A legacy client keeps its short region, and a 3.0 call on it is refused locally.
    let legacy = TencentClient::builder()
        .api(TencentApi::Legacy)
        .region("atlantis")
        .credentials(TencentCredentials::new("a", "b").unwrap())
        .endpoint_clb(Endpoint::parse(server.url()).unwrap())
        .build()
        .unwrap();
    assert_eq!(legacy.api(), TencentApi::Legacy);
    let err = legacy
        .call_v3::<Value>(Service::Clb, "DescribeTargets", &json!({}), true)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(server.request_count(), 0);
}

#[test]
fn default_endpoints_are_the_3_0_hosts() {
    let c = TencentClient::builder()
        .region("bj")
        .credentials(TencentCredentials::new("a", "b").unwrap())
        .api(TencentApi::V3)
        .build()
        .unwrap();
    assert_eq!(c.region_v3().unwrap(), "ap-beijing");
    assert_eq!(c.region(), "bj");
    #[cfg(feature = "clb")]
    assert_eq!(
        c.endpoint_v3(Service::Clb).unwrap().to_string(),
        "https://clb.tencentcloudapi.com"
    );
    #[cfg(feature = "bmlb")]
    assert_eq!(
        c.endpoint_v3(Service::Bmlb).unwrap().to_string(),
        "https://bmlb.tencentcloudapi.com"
    );
}

#[test]
fn the_api_comes_from_lbb_tencent_api() {
    let vars = |api: &'static str| {
        move |name: &str| -> lb_backends_core::Result<Option<String>> {
            Ok(match name {
                "TENCENTCLOUD_SECRET_ID" => Some("AKID".into()),
                "TENCENTCLOUD_SECRET_KEY" => Some("k".into()),
                "TENCENTCLOUD_REGION" => Some("gz".into()),
                ENV_TENCENT_API => Some(api.into()),
                _ => None,
            })
        }
    };
    let b = crate::TencentClientBuilder::from_lookup(vars("3")).unwrap();
    assert_eq!(b.build().unwrap().api(), TencentApi::V3);
    let b = crate::TencentClientBuilder::from_lookup(vars("legacy")).unwrap();
    assert_eq!(b.build().unwrap().api(), TencentApi::Legacy);
    let err = crate::TencentClientBuilder::from_lookup(vars("4")).unwrap_err();
    assert!(err.to_string().contains(ENV_TENCENT_API), "{err}");
}
