//! Token and AK/SK authentication, project checks.

use lb_backends_emulator::{fleet::demo, Emulator, Fleet, HuaweiAccount};
use serde_json::Value;

use crate::common::*;

#[test]
fn test_signer_reproduces_a_vector() {
    let all: Value =
        serde_json::from_str(include_str!("../../../../tests/fixtures/signing.json")).unwrap();
    // The GET vector with a query and only `Content-Type: application/json`.
    let v = all["huawei_sdk_hmac_sha256"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| {
            v["method"] == "GET"
                && v["headers"].as_object().unwrap().len() == 1
                && !v["query"].as_array().unwrap().is_empty()
        })
        .unwrap();
    let s = |k: &str| v[k].as_str().unwrap();
    let query: Vec<(String, String)> = v["query"]
        .as_array()
        .unwrap()
        .iter()
        .map(|kv| {
            let val = kv[1]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| kv[1].to_string());
            (kv[0].as_str().unwrap().to_string(), val)
        })
        .collect();
    let q: Vec<(&str, &str)> = query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let sig = sign(
        "GET",
        s("host"),
        s("path"),
        &q,
        "",
        s("ak"),
        s("sk"),
        s("x_sdk_date"),
    );
    assert_eq!(sig.headers[2].1, s("expected_authorization"));
}

async fn signed_get(
    emu: &Emulator,
    path: &str,
    query: &[(&str, &str)],
    date: &str,
    sk: &str,
) -> (u16, Value) {
    let host = emu.addr().to_string();
    let sig = sign("GET", &host, path, query, "", &emu.huawei().ak, sk, date);
    let url = if sig.query.is_empty() {
        format!("{}{path}", emu.base_url())
    } else {
        format!("{}{path}?{}", emu.base_url(), sig.query)
    };
    let mut req = client().get(url);
    for (k, v) in &sig.headers {
        req = req.header(k, v);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn aksk_signed_requests() {
    let emu = demo().await;
    let sk = emu.huawei().sk.clone();
    let path = format!(
        "/v3/{}/elb/pools/{}/members",
        emu.huawei().project_id,
        demo::POOL_WEB
    );
    let now = sdk_date(now_unix());

    let (s, v) = signed_get(
        &emu,
        &path,
        &[("limit", "2"), ("address", "10.0.1.10")],
        &now,
        &sk,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["members"][0]["id"], demo::MEMBER_WITH_INSTANCE);

    // A VPC query whose value needs encoding.
    let ports = format!("/v1/{}/ports", emu.huawei().project_id);
    let (s, v) = signed_get(
        &emu,
        &ports,
        &[("fixed_ips", "ip_address=10.0.1.11")],
        &now,
        &sk,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["ports"].as_array().unwrap().len(), 2);

    let (s, v) = signed_get(&emu, &path, &[], &now, "wrong-secret").await;
    assert_eq!(s, 401);
    assert_eq!(v["error_code"], "APIGW.0301");
    assert_eq!(
        v["error_msg"],
        "Incorrect IAM authentication information: verify aksk signature fail"
    );

    let old = sdk_date(now_unix() - 16 * 60);
    let (s, v) = signed_get(&emu, &path, &[], &old, &sk).await;
    assert_eq!(s, 401);
    assert_eq!(v["error_code"], "APIGW.0301");
    let msg = v["error_msg"].as_str().unwrap();
    assert!(msg.contains("expired") && msg.contains("clock"), "{msg}");

    let within = sdk_date(now_unix() + 10 * 60);
    assert_eq!(signed_get(&emu, &path, &[], &within, &sk).await.0, 200);
}

#[tokio::test]
async fn security_token_is_required_when_configured() {
    let emu = Emulator::builder()
        .huawei_account(HuaweiAccount::default().with_security_token("sts-token"))
        .start()
        .await
        .unwrap();
    let path = format!("/v1/{}/ports", emu.huawei().project_id);
    let date = sdk_date(now_unix());
    let sig = sign(
        "GET",
        &emu.addr().to_string(),
        &path,
        &[],
        "",
        &emu.huawei().ak,
        &emu.huawei().sk,
        &date,
    );
    let send = |token: Option<&'static str>| {
        let mut req = client().get(format!("{}{path}", emu.base_url()));
        for (k, v) in &sig.headers {
            req = req.header(k, v);
        }
        if let Some(t) = token {
            req = req.header("X-Security-Token", t);
        }
        req.send()
    };
    assert_eq!(send(None).await.unwrap().status(), 401);
    assert_eq!(send(Some("other")).await.unwrap().status(), 401);
    assert_eq!(send(Some("sts-token")).await.unwrap().status(), 200);
}

#[tokio::test]
async fn token_failures_and_project_checks() {
    let emu = demo().await;
    let url = members_url(&emu, demo::POOL_WEB);

    let resp = client().get(&url).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    assert!(resp.headers().contains_key("x-request-id"));
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error_code"], "APIGW.0301");
    assert!(v["request_id"].is_string());

    let resp = client()
        .get(&url)
        .header("X-Auth-Token", "stale")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error_code"], "APIGW.0307");
    assert_eq!(v["error_msg"], "The token must be updated.");

    let resp = client()
        .get(&url)
        .header("Authorization", "Bearer something")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);

    let other = format!(
        "{}/v3/ffffffffffffffffffffffffffffffff/elb/pools/{}/members",
        emu.base_url(),
        demo::POOL_WEB
    );
    let (s, v) = get(&emu, &other).await;
    assert_eq!((s, v["error_code"].as_str()), (403, Some("APIGW.0302")));

    let resp = client()
        .get(&url)
        .header("X-Auth-Token", &emu.huawei().token)
        .header("X-Project-Id", "ffffffffffffffffffffffffffffffff")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
}

#[tokio::test]
async fn credentials_and_project_are_configurable() {
    let mut fleet = Fleet::demo();
    fleet.huawei.project_id = Some("99a3fff0d03c428eac3678da6a7d0f24".into());
    let emu = Emulator::builder()
        .fleet(fleet.clone())
        .huawei_token("t2")
        .start()
        .await
        .unwrap();
    assert_eq!(emu.huawei().project_id, "99a3fff0d03c428eac3678da6a7d0f24");
    let (s, v) = get(&emu, &members_url(&emu, demo::POOL_UDP)).await;
    assert_eq!(s, 200);
    assert_eq!(
        v["members"][0]["project_id"],
        "99a3fff0d03c428eac3678da6a7d0f24"
    );

    let emu = Emulator::builder()
        .fleet(fleet)
        .huawei_project_id("abc")
        .start()
        .await
        .unwrap();
    assert_eq!(emu.huawei().project_id, "abc");
    assert!(!format!("{:?}", emu.huawei()).contains(&emu.huawei().sk));
}
