//! IAM password tokens, their expiry on ELB and APIG paths, project listings, the pool
//! and the member check job, batch-update, and APIG enable/disable.

use std::time::Duration;

use lb_backends_emulator::{
    fleet::{apig_demo, demo as d},
    Emulator, Fleet, DEFAULT_DOMAIN_NAME, DEFAULT_PASSWORD, DEFAULT_PROJECT_ID, DEFAULT_USER_NAME,
};
use serde_json::{json, Value};

use crate::common::{call, client, members_url};

fn token_body(password: &str, project: Value) -> Value {
    json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": DEFAULT_USER_NAME, "password": password, "domain": {"name": DEFAULT_DOMAIN_NAME}}}},
        "scope": {"project": project}}})
}

async fn token(emu: &Emulator, body: Value) -> (u16, Option<String>, Value) {
    let resp = client()
        .post(format!("{}/v3/auth/tokens?nocatalog=true", emu.base_url()))
        .header("Content-Type", "application/json;charset=utf8")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let tok = resp
        .headers()
        .get("x-subject-token")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = resp.json().await.unwrap_or(Value::Null);
    (status, tok, body)
}

async fn with_token(url: &str, tok: &str) -> (u16, Value) {
    let resp = client()
        .get(url)
        .header("X-Auth-Token", tok)
        .send()
        .await
        .unwrap();
    (
        resp.status().as_u16(),
        resp.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn password_tokens_are_issued_accepted_and_expire() {
    let emu = Emulator::builder()
        .fleet(Fleet::demo())
        .huawei_token_lifetime(Duration::from_secs(1))
        .start()
        .await
        .unwrap();
    let (s, tok, body) = token(
        &emu,
        token_body(DEFAULT_PASSWORD, json!({"name": "cn-north-4"})),
    )
    .await;
    assert_eq!(s, 201, "{body}");
    let tok = tok.unwrap();
    assert_eq!(body["token"]["project"]["id"], DEFAULT_PROJECT_ID);
    assert!(body["token"]["expires_at"].as_str().unwrap().ends_with('Z'));
    let (s, _) = with_token(&members_url(&emu, d::POOL_WEB), &tok).await;
    assert_eq!(s, 200);

    for (body, status) in [
        (token_body("wrong", json!({"name": "cn-north-4"})), 401),
        (
            token_body(DEFAULT_PASSWORD, json!({"name": "cn-south-1"})),
            400,
        ),
        (
            token_body(DEFAULT_PASSWORD, json!({"id": DEFAULT_PROJECT_ID})),
            201,
        ),
        (json!({"auth": {}}), 400),
    ] {
        assert_eq!(token(&emu, body.clone()).await.0, status, "{body}");
    }
    assert_eq!(emu.huawei_tokens_issued(), 2);

    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (s, v) = with_token(&members_url(&emu, d::POOL_WEB), &tok).await;
    assert_eq!((s, v["error_code"].as_str()), (401, Some("APIGW.0307")));
    let apig = format!(
        "{}/v2/{}/apigw/instances/{}/vpc-channels/{}/members",
        emu.base_url(),
        DEFAULT_PROJECT_ID,
        apig_demo::INSTANCE,
        apig_demo::CHANNEL_IP
    );
    let (s, v) = with_token(&apig, &tok).await;
    assert_eq!((s, v["error_code"].as_str()), (401, Some("APIG.1001")));

    // Project listings: by name with the static token; another name lists nothing.
    let static_token = emu.huawei().token.clone();
    let (s, v) = with_token(
        &format!("{}/v3/projects?name=cn-north-4", emu.base_url()),
        &static_token,
    )
    .await;
    assert_eq!(
        (s, v["projects"][0]["id"].as_str()),
        (200, Some(DEFAULT_PROJECT_ID))
    );
    let (_, v) = with_token(
        &format!("{}/v3/projects?name=nowhere", emu.base_url()),
        &static_token,
    )
    .await;
    assert_eq!(v["projects"], json!([]));
    let (s, _) = with_token(&format!("{}/v3/auth/projects", emu.base_url()), "bad").await;
    assert_eq!(s, 401);
}

#[tokio::test]
async fn mfa_needs_the_passcode() {
    let emu = Emulator::builder()
        .huawei_mfa_passcode("123456")
        .start()
        .await
        .unwrap();
    let mut body = token_body(DEFAULT_PASSWORD, json!({"name": "cn-north-4"}));
    assert_eq!(token(&emu, body.clone()).await.0, 401);
    body["auth"]["identity"]["methods"] = json!(["password", "totp"]);
    body["auth"]["identity"]["totp"] = json!({"user": {"id": "u", "passcode": "123456"}});
    assert_eq!(token(&emu, body).await.0, 201);
}

#[tokio::test]
async fn pool_job_and_batch_update() {
    let emu = crate::common::demo().await;
    let base = format!("{}/v3/{}/elb", emu.base_url(), DEFAULT_PROJECT_ID);
    let (s, v, _) = call(&emu, "GET", &format!("{base}/pools/{}", d::POOL_WEB), None).await;
    assert_eq!(s, 200);
    assert_eq!(v["pool"]["lb_algorithm"], "ROUND_ROBIN");
    assert_eq!(v["pool"]["member_deletion_protection_enable"], false);
    assert_eq!(v["pool"]["members"].as_array().unwrap().len(), 6);

    let (s, v, _) = call(
        &emu,
        "POST",
        &format!("{base}/members/{}/health-check", d::MEMBER_NO_PORT),
        Some(json!({"member_check": {"listener_id": d::LISTENER_WEB, "subject": "all"}})),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let job = v["member_check"]["job_id"].as_str().unwrap().to_owned();
    let url = format!("{base}/members/check/jobs/{job}");
    let (_, v, _) = call(&emu, "GET", &url, None).await;
    assert_eq!(v["member_check"]["status"], "processing");
    tokio::time::sleep(Duration::from_millis(350)).await;
    let (_, v, _) = call(&emu, "GET", &url, None).await;
    assert_eq!(v["member_check"]["status"], "processed");
    assert_eq!(v["member_check"]["result"]["config"]["check_result"], false);
    assert_eq!(v["member_check"]["result"]["acl"]["check_result"], true);
    let (s, _, _) = call(
        &emu,
        "POST",
        &format!("{base}/members/nope/health-check"),
        Some(json!({"member_check": {"listener_id": d::LISTENER_WEB}})),
    )
    .await;
    assert_eq!(s, 404);

    let (s, v, _) = call(
        &emu,
        "POST",
        &format!("{}/batch-update", members_url(&emu, d::POOL_WEB)),
        Some(json!({"members": [{"id": d::MEMBER_WITH_INSTANCE, "weight": 55, "admin_state_up": false}, {"id": "missing", "weight": 1}]})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let members = v["members"].as_array().unwrap();
    assert_eq!(members.len(), 1, "an unknown id is left out");
    assert_eq!(
        (
            members[0]["weight"].as_u64(),
            members[0]["admin_state_up"].as_bool()
        ),
        (Some(55), Some(true))
    );
}

#[tokio::test]
async fn apig_enable_and_disable_switch_status() {
    let emu = crate::common::demo().await;
    let base = format!(
        "{}/v2/{}/apigw/instances/{}/vpc-channels/{}",
        emu.base_url(),
        DEFAULT_PROJECT_ID,
        apig_demo::INSTANCE,
        apig_demo::CHANNEL_IP
    );
    let status = |emu: &Emulator| {
        emu.apig_members(apig_demo::INSTANCE, apig_demo::CHANNEL_IP)
            .unwrap()
            .into_iter()
            .find(|m| m.id == apig_demo::MEMBER_IP_1)
            .unwrap()
            .status
    };
    let ids = json!({"member_ids": [apig_demo::MEMBER_IP_1]});
    let (s, _, _) = call(
        &emu,
        "POST",
        &format!("{base}/members/batch-disable"),
        Some(ids.clone()),
    )
    .await;
    assert_eq!((s, status(&emu)), (204, 2));
    let (s, _, _) = call(
        &emu,
        "POST",
        &format!("{base}/members/batch-enable"),
        Some(ids),
    )
    .await;
    assert_eq!((s, status(&emu)), (204, 1));
    let (s, v, _) = call(
        &emu,
        "POST",
        &format!("{base}/members/batch-enable"),
        Some(json!({"member_ids": ["nope"]})),
    )
    .await;
    assert_eq!((s, v["error_code"].as_str()), (404, Some("APIG.3024")));
    let (s, v, _) = call(&emu, "GET", &base, None).await;
    assert_eq!(s, 200);
    assert_eq!(v["member_type"], "ip");
    assert!(v["vpc_health_config"].is_object());
}
