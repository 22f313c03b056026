//! APIG VPC channel members: paging and clamping, filters, upserts, the whole-set PUT,
//! deletes, overlapping writes, the error table, the switches and faults.

use std::collections::HashSet;
use std::time::Duration;

use lb_backends_emulator::{fleet::apig_demo as demo, Emulator, FaultKind, Fleet};
use serde_json::{json, Value};

use crate::common::*;

const INST: &str = "inst-1";
const CHAN: &str = "chan-1";

async fn generated(n: usize) -> Emulator {
    let mut fleet = Fleet::demo();
    fleet.merge(Fleet::generate_apig_channel(INST, CHAN, n, 3));
    Emulator::builder()
        .fleet(fleet)
        .seed(3)
        .start()
        .await
        .unwrap()
}

fn url(emu: &Emulator, instance: &str, channel: &str) -> String {
    format!(
        "{}/v2/{}/apigw/instances/{instance}/vpc-channels/{channel}/members",
        emu.base_url(),
        emu.huawei().project_id
    )
}

fn ids(v: &Value) -> Vec<String> {
    v["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect()
}

/// Asserts an APIG error answer: status, code, the two-field body, a request id header.
async fn expect_error(
    emu: &Emulator,
    method: &str,
    url: &str,
    body: Option<Value>,
    status: u16,
    code: &str,
) {
    let (s, v, headers) = call(emu, method, url, body).await;
    assert_eq!(
        (s, v["error_code"].as_str()),
        (status, Some(code)),
        "{url}: {v}"
    );
    assert!(
        v["error_msg"].as_str().is_some_and(|m| !m.is_empty()),
        "{v}"
    );
    assert!(headers.contains_key("x-request-id"));
}

#[tokio::test]
async fn pages_by_item_offset_with_the_service_clamping() {
    let emu = generated(1203).await;
    let base = url(&emu, INST, CHAN);
    let mut seen = Vec::new();
    for offset in [0, 500, 1000] {
        let (s, v) = get(&emu, &format!("{base}?offset={offset}&limit=500")).await;
        assert_eq!(s, 200);
        assert_eq!(v["total"], 1203);
        assert_eq!(
            v["size"].as_u64(),
            v["members"].as_array().map(|a| a.len() as u64)
        );
        seen.extend(ids(&v));
    }
    assert_eq!(seen.len(), 1203);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 1203);
    for (query, size, first) in [
        ("", 20, 0),
        ("?limit=0", 20, 0),
        ("?limit=-4", 20, 0),
        ("?limit=9999", 500, 0),
        ("?offset=-7&limit=3", 3, 0),
        ("?offset=1200&limit=500", 3, 1200),
        ("?offset=5000", 0, 0),
    ] {
        let (s, v) = get(&emu, &format!("{base}{query}")).await;
        assert_eq!((s, v["size"].as_u64()), (200, Some(size)), "{query}");
        if size > 0 {
            assert_eq!(ids(&v)[0], seen[first], "{query}");
        }
    }
    for bad in [
        "?offset=x",
        "?limit=1.5",
        "?name=a%20b",
        "?precise_search=host",
    ] {
        expect_error(&emu, "GET", &format!("{base}{bad}"), None, 400, "APIG.2012").await;
    }
    let (_, v, _) = call(&emu, "GET", &format!("{base}?name=web!"), None).await;
    assert!(
        v["error_msg"]
            .as_str()
            .unwrap()
            .contains("parameterName:name"),
        "{v}"
    );
}

#[tokio::test]
async fn filters_by_name_and_member_group() {
    let emu = generated(1203).await;
    let base = url(&emu, INST, CHAN);
    let (_, v) = get(&emu, &format!("{base}?name=web&limit=500")).await;
    assert_eq!(v["total"], 401);
    let (_, v) = get(&emu, &format!("{base}?name=web-00003&precise_search=name")).await;
    assert_eq!(v["total"], 1);
    assert_eq!(v["members"][0]["ecs_name"], "web-00003");
    let ecs = url(&emu, demo::INSTANCE, demo::CHANNEL_ECS);
    let (_, v) = get(&emu, &format!("{ecs}?member_group_name=blue")).await;
    assert_eq!(v["total"], 2);
    let (_, v) = get(&emu, &format!("{ecs}?member_group_id=green-group-id")).await;
    assert_eq!(v["members"][0]["ecs_name"], "db-01");
}

#[tokio::test]
async fn the_seed_channel_answers_like_the_seed() {
    let emu = demo().await;
    let (s, v) = get(&emu, &url(&emu, demo::INSTANCE, demo::CHANNEL_IP)).await;
    assert_eq!(s, 200);
    assert_eq!(v["total"], 3);
    let m = &v["members"][0];
    assert_eq!(m["id"], demo::MEMBER_IP_1);
    assert_eq!(m["host"], "192.168.0.5");
    assert_eq!(m["vpc_channel_id"], demo::CHANNEL_IP);
    assert_eq!(m["create_time"], "2020-07-23T07:11:57Z");
    assert_eq!(
        (m["weight"].as_u64(), m["status"].as_u64()),
        (Some(1), Some(1))
    );
}

#[tokio::test]
async fn the_error_table() {
    let emu = demo().await;
    let good = url(&emu, demo::INSTANCE, demo::CHANNEL_IP);
    expect_error(
        &emu,
        "GET",
        &url(&emu, demo::INSTANCE, "nochannel"),
        None,
        404,
        "APIG.3023",
    )
    .await;
    expect_error(
        &emu,
        "GET",
        &url(&emu, "noinstance", demo::CHANNEL_IP),
        None,
        404,
        "APIG.3030",
    )
    .await;
    let resp = client()
        .get(&good)
        .header("X-Auth-Token", "wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error_code"], "APIG.1002");
    emu.set_apig_forbidden(true);
    expect_error(&emu, "GET", &good, None, 403, "APIG.1005").await;
    expect_error(
        &emu,
        "POST",
        &good,
        Some(json!({"members": [{"host": "10.0.0.1"}]})),
        403,
        "APIG.1005",
    )
    .await;
    emu.set_apig_forbidden(false);
    emu.fail_next_apig(2);
    expect_error(&emu, "GET", &good, None, 500, "APIG.9999").await;
    expect_error(&emu, "GET", &good, None, 500, "APIG.9999").await;
    assert_eq!(get(&emu, &good).await.0, 200);
}

#[tokio::test]
async fn post_upserts_by_address() {
    let emu = demo().await;
    let base = url(&emu, demo::INSTANCE, demo::CHANNEL_EMPTY);
    let body = json!({"members": [{"host": "10.1.0.1", "port": 8080, "weight": 5, "is_backup": false, "member_group_name": "g1", "status": 1}]});
    let (s, v, _) = call(&emu, "POST", &base, Some(body)).await;
    assert_eq!(s, 201, "{v}");
    let id = v["members"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 32);
    let (s, v, _) = call(
        &emu,
        "POST",
        &base,
        Some(json!({"members": [{"host": "10.1.0.1", "weight": 7}]})),
    )
    .await;
    assert_eq!(s, 201);
    assert_eq!(
        v["members"][0]["id"],
        id.as_str(),
        "same address, same member"
    );
    let members = emu
        .apig_members(demo::INSTANCE, demo::CHANNEL_EMPTY)
        .unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(
        (members[0].weight, members[0].port),
        (7, Some(8080)),
        "unsent fields kept"
    );

    let ecs = url(&emu, demo::INSTANCE, demo::CHANNEL_ECS);
    let (s, v, _) = call(
        &emu,
        "POST",
        &ecs,
        Some(json!({"members": [{"ecs_id": demo::ECS_WEB_1, "ecs_name": "web-01", "weight": 50}]})),
    )
    .await;
    assert_eq!(s, 201);
    assert_eq!(v["members"][0]["id"], demo::MEMBER_ECS_WEB_1);
    assert_eq!(
        emu.apig_members(demo::INSTANCE, demo::CHANNEL_ECS)
            .unwrap()
            .len(),
        3
    );

    for bad in [
        json!({}),
        json!({"members": []}),
        json!({"members": [{"host": "10.1.0.2", "weight": 10_001}]}),
        json!({"members": [{"host": "10.1.0.2", "port": 0}]}),
        json!({"members": [{"host": "not-an-ip"}]}),
        json!({"members": [{"host": "10.1.0.2", "status": 3}]}),
        json!({"members": [{"host": "10.1.0.2", "colour": "red"}]}),
        json!({"members": [{"ecs_id": "e1", "ecs_name": "x"}]}),
        json!({"members": [{"host": "10.1.0.2"}, {"host": "10.1.0.2"}]}),
    ] {
        expect_error(&emu, "POST", &base, Some(bad), 400, "APIG.2012").await;
    }
    expect_error(
        &emu,
        "POST",
        &ecs,
        Some(json!({"members": [{"host": "10.1.0.3"}]})),
        400,
        "APIG.2012",
    )
    .await;
    assert_eq!(
        emu.apig_members(demo::INSTANCE, demo::CHANNEL_EMPTY)
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn put_replaces_the_whole_set_and_delete_removes_one() {
    let emu = demo().await;
    let base = url(&emu, demo::INSTANCE, demo::CHANNEL_IP);
    let (s, v, _) = call(
        &emu,
        "PUT",
        &base,
        Some(json!({"members": [{"host": "192.168.0.5", "weight": 9}]})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let left = emu.apig_members(demo::INSTANCE, demo::CHANNEL_IP).unwrap();
    assert_eq!(left.len(), 1, "the other members are gone");
    assert_eq!(
        (left[0].id.as_str(), left[0].weight),
        (demo::MEMBER_IP_1, 9)
    );
    let (s, _, _) = call(
        &emu,
        "DELETE",
        &format!("{base}/{}", demo::MEMBER_IP_1),
        None,
    )
    .await;
    assert_eq!(s, 204);
    assert!(emu
        .apig_members(demo::INSTANCE, demo::CHANNEL_IP)
        .unwrap()
        .is_empty());
    expect_error(
        &emu,
        "DELETE",
        &format!("{base}/{}", demo::MEMBER_IP_1),
        None,
        404,
        "APIG.3024",
    )
    .await;
    let methods: Vec<String> = emu.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(methods, ["PUT", "DELETE", "DELETE"]);
}

#[tokio::test]
async fn overlapping_writes_to_one_channel_fail_like_the_service() {
    let emu = demo().await;
    emu.set_apig_write_time(Duration::from_millis(200));
    let base = url(&emu, demo::INSTANCE, demo::CHANNEL_EMPTY);
    let other = url(&emu, demo::INSTANCE, demo::CHANNEL_IP);
    let post = |u: String, host: &'static str| {
        let emu = &emu;
        async move { call(emu, "POST", &u, Some(json!({"members": [{"host": host}]}))).await }
    };
    let ((a, _, _), (b, vb, _), (c, _, _)) = tokio::join!(
        post(base.clone(), "10.2.0.1"),
        async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            post(base.clone(), "10.2.0.2").await
        },
        post(other.clone(), "10.2.0.3"),
    );
    assert_eq!(
        (a, b, c),
        (201, 500, 201),
        "the second write to one channel fails"
    );
    assert_eq!(vb["error_code"], "APIG.9999");
    // Once the first write is over, the channel takes writes again.
    assert_eq!(post(base, "10.2.0.2").await.0, 201);
    assert_eq!(
        emu.apig_members(demo::INSTANCE, demo::CHANNEL_EMPTY)
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn a_lying_total_and_injected_faults() {
    let emu = generated(30).await;
    let base = url(&emu, INST, CHAN);
    assert!(emu.set_apig_total_skew(INST, CHAN, 100));
    assert!(!emu.set_apig_total_skew(INST, "nope", 1));
    let (_, v) = get(&emu, &format!("{base}?limit=500")).await;
    assert_eq!(
        (v["total"].as_u64(), v["size"].as_u64()),
        (Some(130), Some(30))
    );
    emu.set_apig_total_skew(INST, CHAN, -1000);
    assert_eq!(get(&emu, &base).await.1["total"], 0);
    emu.inject_next(FaultKind::Throttle);
    let (s, _, headers) = call(&emu, "GET", &base, None).await;
    assert_eq!(s, 429);
    assert!(headers.contains_key("retry-after"));
}

#[tokio::test]
async fn aksk_signed_apig_calls_pass() {
    let emu = demo().await;
    let path = format!(
        "/v2/{}/apigw/instances/{}/vpc-channels/{}/members",
        emu.huawei().project_id,
        demo::INSTANCE,
        demo::CHANNEL_IP
    );
    let host = emu.addr().to_string();
    let sig = sign(
        "GET",
        &host,
        &path,
        &[("limit", "2"), ("offset", "1")],
        "",
        &emu.huawei().ak,
        &emu.huawei().sk,
        &sdk_date(now_unix()),
    );
    let mut req = client().get(format!("{}{path}?{}", emu.base_url(), sig.query));
    for (k, v) in &sig.headers {
        req = req.header(k, v);
    }
    let v: Value = req.send().await.unwrap().json().await.unwrap();
    assert_eq!(v["size"], 2);
    assert_eq!(v["members"][0]["id"], demo::MEMBER_IP_2);
}
