//! Creating, updating and deleting members.

use std::time::Duration;

use lb_backends_emulator::fleet::demo;
use serde_json::{json, Value};

use crate::common::*;

async fn create(emu: &lb_backends_emulator::Emulator, pool: &str, member: Value) -> (u16, Value) {
    let (s, v, _) = call(
        emu,
        "POST",
        &members_url(emu, pool),
        Some(json!({ "member": member })),
    )
    .await;
    (s, v)
}

#[tokio::test]
async fn create_in_subnet_then_health_turns_online() {
    let emu = demo().await;
    let (s, v) = create(
        &emu,
        demo::POOL_EMPTY,
        json!({"address": "10.0.1.10", "protocol_port": 443, "subnet_cidr_id": demo::SUBNET_A1, "name": "new", "weight": 5}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let m = &v["member"];
    assert_eq!(m["operating_status"], "INITIAL");
    assert_eq!(m["status"][0]["operating_status"], "INITIAL");
    assert_eq!(m["member_type"], "instance");
    assert_eq!(m["instance_id"], demo::ECS_1, "found through the port");
    assert_eq!(m["weight"], 5);
    assert_eq!(m["ip_version"], "v4");
    assert_eq!(m["admin_state_up"], true);
    assert!(m["created_at"].as_str().unwrap().ends_with('Z'));
    let id = m["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 36);
    assert!(v["request_id"].is_string());

    tokio::time::sleep(Duration::from_millis(400)).await;
    let (_, v) = get(
        &emu,
        &format!("{}/{id}", members_url(&emu, demo::POOL_EMPTY)),
    )
    .await;
    assert_eq!(v["member"]["operating_status"], "ONLINE");

    // Without a health monitor: NO_MONITOR; weight defaults to 1.
    let (s, v) = create(
        &emu,
        demo::POOL_UDP,
        json!({"address": "10.0.2.99", "protocol_port": 53, "subnet_cidr_id": demo::SUBNET_A2}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["member"]["operating_status"], "NO_MONITOR");
    assert_eq!(v["member"]["weight"], 1);
    assert_eq!(v["member"]["instance_id"], "");
}

#[tokio::test]
async fn create_cross_vpc_and_dualstack() {
    let emu = demo().await;
    let (s, v) = create(
        &emu,
        demo::POOL_WEB,
        json!({"address": "203.0.113.9", "protocol_port": 80}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["member"]["member_type"], "ip");
    assert!(v["member"]["subnet_cidr_id"].is_null());

    let (s, v) = create(
        &emu,
        demo::POOL_DUAL,
        json!({"address": "2001:db8:a3::77", "protocol_port": 80, "subnet_cidr_id": demo::SUBNET_A_DUAL}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["member"]["ip_version"], "v6");
}

#[tokio::test]
async fn create_rules() {
    let emu = demo().await;
    let a1 = demo::SUBNET_A1;
    let cases: Vec<(&str, Value, u16, &str)> = vec![
        // Field rules.
        (
            demo::POOL_EMPTY,
            json!({"protocol_port": 80, "subnet_cidr_id": a1}),
            400,
            "ELB.8902",
        ),
        (
            demo::POOL_EMPTY,
            json!({"address": "10.0.1.50", "subnet_cidr_id": a1}),
            400,
            "ELB.8902",
        ),
        (
            demo::POOL_EMPTY,
            json!({"address": "not-an-ip", "protocol_port": 80, "subnet_cidr_id": a1}),
            400,
            "ELB.8902",
        ),
        (
            demo::POOL_EMPTY,
            json!({"address": "", "protocol_port": 80, "subnet_cidr_id": a1}),
            400,
            "ELB.8902",
        ),
        (
            demo::POOL_EMPTY,
            json!({"address": "10.0.1.50", "protocol_port": 0, "subnet_cidr_id": a1}),
            400,
            "ELB.8902",
        ),
        (
            demo::POOL_EMPTY,
            json!({"address": "10.0.1.50", "protocol_port": 65536, "subnet_cidr_id": a1}),
            400,
            "ELB.8902",
        ),
        (
            demo::POOL_EMPTY,
            json!({"address": "10.0.1.50", "protocol_port": "80", "subnet_cidr_id": a1}),
            400,
            "ELB.8902",
        ),
        (
            demo::POOL_EMPTY,
            json!({"address": "10.0.1.50", "protocol_port": 80, "subnet_cidr_id": a1, "weight": 101}),
            400,
            "ELB.8902",
        ),
        (
            demo::POOL_EMPTY,
            json!({"address": "10.0.1.50", "protocol_port": 80, "subnet_cidr_id": a1, "weight": -1}),
            400,
            "ELB.8902",
        ),
        (
            demo::POOL_EMPTY,
            json!({"address": "10.0.1.50", "protocol_port": 80, "subnet_cidr_id": a1, "name": "x".repeat(256)}),
            400,
            "ELB.8902",
        ),
        (
            demo::POOL_EMPTY,
            json!({"address": "10.0.1.50", "protocol_port": 80, "subnet_cidr_id": "x".repeat(37)}),
            400,
            "ELB.8902",
        ),
        (
            demo::POOL_EMPTY,
            json!({"address": "10.0.1.50", "protocol_port": 80, "subnet_cidr_id": ""}),
            400,
            "ELB.8902",
        ),
        (
            demo::POOL_EMPTY,
            json!({"address": "10.0.1.50", "protocol_port": 80, "subnet_cidr_id": a1, "project_id": "x".repeat(33)}),
            400,
            "ELB.8902",
        ),
        (
            demo::POOL_EMPTY,
            json!({"address": "10.0.1.50", "protocol_port": 80, "subnet_cidr_id": a1, "admin_state_up": "yes"}),
            400,
            "ELB.8902",
        ),
        (
            demo::POOL_EMPTY,
            json!({"address": "10.0.1.50", "protocol_port": 80, "subnet_cidr_id": a1, "colour": "red"}),
            400,
            "ELB.8902",
        ),
        // Constraint 3: subnet known, in the LB's VPC, holding the address.
        (
            demo::POOL_EMPTY,
            json!({"address": "10.0.1.50", "protocol_port": 80, "subnet_cidr_id": "5b0000ff-0000-4000-8000-0000000000ff"}),
            400,
            "ELB.8910",
        ),
        (
            demo::POOL_EMPTY,
            json!({"address": "10.0.1.50", "protocol_port": 80, "subnet_cidr_id": demo::SUBNET_B1}),
            400,
            "ELB.8910",
        ),
        (
            demo::POOL_EMPTY,
            json!({"address": "10.0.9.50", "protocol_port": 80, "subnet_cidr_id": a1}),
            400,
            "ELB.8911",
        ),
        // Constraint 2: cross-VPC.
        (
            demo::POOL_EMPTY,
            json!({"address": "203.0.113.9", "protocol_port": 80}),
            400,
            "ELB.8912",
        ),
        (
            demo::POOL_WEB,
            json!({"address": "2001:db8::9", "protocol_port": 80}),
            400,
            "ELB.8912",
        ),
        (
            demo::POOL_UDP,
            json!({"address": "203.0.113.9", "protocol_port": 80}),
            400,
            "ELB.8912",
        ),
        // Constraint 4: IPv6 in a v4 pool.
        (
            demo::POOL_EMPTY,
            json!({"address": "2001:db8:a3::9", "protocol_port": 80, "subnet_cidr_id": demo::SUBNET_A_DUAL}),
            400,
            "ELB.8913",
        ),
        // Constraint 1: duplicate address and port.
        (
            demo::POOL_WEB,
            json!({"address": "10.0.1.10", "protocol_port": 80, "subnet_cidr_id": a1}),
            409,
            "ELB.8907",
        ),
        (
            demo::POOL_WEB,
            json!({"address": "192.168.50.7", "protocol_port": 8080}),
            409,
            "ELB.8907",
        ),
        // Unknown pool.
        (
            "no-such-pool",
            json!({"address": "10.0.1.50", "protocol_port": 80, "subnet_cidr_id": a1}),
            404,
            "ELB.8904",
        ),
    ];
    for (pool, member, status, code) in cases {
        let (s, v) = create(&emu, pool, member.clone()).await;
        assert_eq!(
            (s, v["error_code"].as_str()),
            (status, Some(code)),
            "{member}: {v}"
        );
        assert!(v["error_msg"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(v["request_id"].is_string());
    }
    // Nothing was created by any of them.
    assert_eq!(emu.huawei_members(demo::POOL_EMPTY).unwrap().len(), 0);
    assert_eq!(emu.huawei_members(demo::POOL_WEB).unwrap().len(), 6);
    // Same address, other port: fine.
    let (s, _) = create(
        &emu,
        demo::POOL_WEB,
        json!({"address": "10.0.1.10", "protocol_port": 81, "subnet_cidr_id": a1}),
    )
    .await;
    assert_eq!(s, 201);
}

#[tokio::test]
async fn malformed_bodies_are_400() {
    let emu = demo().await;
    let url = members_url(&emu, demo::POOL_EMPTY);
    for body in [
        "",
        "not json",
        "[]",
        "{\"member\": 5}",
        "{\"members\": {}}",
        "{\"member\": {\"address\": \"10.0.1.5\"",
        "\u{0}",
    ] {
        let resp = client()
            .post(&url)
            .header("X-Auth-Token", &emu.huawei().token)
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{body:?}");
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["error_code"], "ELB.8902");
    }
}

#[tokio::test]
async fn update_and_delete() {
    let emu = demo().await;
    let url = format!(
        "{}/{}",
        members_url(&emu, demo::POOL_WEB),
        demo::MEMBER_WITH_INSTANCE
    );
    let (s, v, _) = call(
        &emu,
        "PUT",
        &url,
        Some(json!({"member": {"weight": 0, "name": "renamed", "admin_state_up": false}})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["member"]["weight"], 0);
    assert_eq!(v["member"]["name"], "renamed");
    // Ignored, as the cloud does: the ECS behind the member still exists.
    assert_eq!(v["member"]["admin_state_up"], true);
    assert!(v["request_id"].is_string());
    for bad in [
        json!({"member": {"weight": 101}}),
        json!({"member": {"address": "10.0.0.1"}}),
        json!({"weight": 1}),
    ] {
        let (s, v, _) = call(&emu, "PUT", &url, Some(bad)).await;
        assert_eq!((s, v["error_code"].as_str()), (400, Some("ELB.8902")));
    }

    let (s, _, headers) = call(&emu, "DELETE", &url, None).await;
    assert_eq!(s, 204);
    assert!(headers.contains_key("x-request-id"));
    let (s, v, _) = call(&emu, "DELETE", &url, None).await;
    assert_eq!((s, v["error_code"].as_str()), (404, Some("ELB.8904")));
    let (s, _) = get(&emu, &url).await;
    assert_eq!(s, 404);
    // The address and port are free again.
    let (s, _) = create(
        &emu,
        demo::POOL_WEB,
        json!({"address": "10.0.1.10", "protocol_port": 80, "subnet_cidr_id": demo::SUBNET_A1}),
    )
    .await;
    assert_eq!(s, 201);
}

#[tokio::test]
async fn batch_add_reports_existed_and_delete_reports_not_found_per_member() {
    let emu = demo().await;
    let url = members_url(&emu, demo::POOL_EMPTY);
    let a1 = demo::SUBNET_A1;
    // A rule broken by one member fails the whole call (chosen), nothing made.
    let (s, v, _) = call(
        &emu,
        "POST",
        &format!("{url}/batch-add"),
        Some(json!({"members": [
            {"address": "10.0.1.60", "protocol_port": 443, "subnet_cidr_id": a1},
            {"address": "10.0.1.61", "protocol_port": 0, "subnet_cidr_id": a1}
        ]})),
    )
    .await;
    assert_eq!((s, v["error_code"].as_str()), (400, Some("ELB.8902")));
    assert!(emu.huawei_members(demo::POOL_EMPTY).unwrap().is_empty());

    let (s, v, _) = call(
        &emu,
        "POST",
        &format!("{url}/batch-add"),
        Some(json!({"members": [
            {"address": "10.0.1.60", "protocol_port": 443, "subnet_cidr_id": a1},
            {"address": "10.0.1.61", "protocol_port": 443, "subnet_cidr_id": a1},
            {"address": "10.0.1.60", "protocol_port": 443, "subnet_cidr_id": a1}
        ]})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let members = v["members"].as_array().unwrap();
    let status: Vec<&str> = members
        .iter()
        .map(|m| m["ret_status"].as_str().unwrap())
        .collect();
    assert_eq!(status, ["successful", "successful", "existed"]);
    assert_eq!(members[0]["id"], members[2]["id"]);
    let ids: Vec<String> = members[..2]
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(emu.huawei_members(demo::POOL_EMPTY).unwrap().len(), 2);

    let (s, v, _) = call(
        &emu,
        "POST",
        &format!("{url}/batch-delete"),
        Some(json!({"members": [{"id": ids[0]}, {"id": "missing"}, {"address": "10.0.1.61", "protocol_port": 443}]})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let status: Vec<&str> = v["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["ret_status"].as_str().unwrap())
        .collect();
    assert_eq!(status, ["successful", "not found", "successful"]);
    assert_eq!(v["members"][2]["id"], ids[1].as_str());
    assert!(emu.huawei_members(demo::POOL_EMPTY).unwrap().is_empty());
    let (s, _, _) = call(
        &emu,
        "POST",
        &format!("{url}/batch-delete"),
        Some(json!({"members": [{"id": ids[0], "address": "10.0.1.60"}]})),
    )
    .await;
    assert_eq!(s, 400, "id and address together");
    let too_many: Vec<_> = (0..201).map(|i| json!({"id": format!("m{i}")})).collect();
    let (s, _, _) = call(
        &emu,
        "POST",
        &format!("{url}/batch-delete"),
        Some(json!({"members": too_many})),
    )
    .await;
    assert_eq!(s, 400, "at most 200 per call");
}
