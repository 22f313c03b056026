//! Listing members: paging and filters.

use std::collections::HashSet;

use lb_backends_emulator::{fleet::demo, Emulator, Fleet};
use serde_json::Value;

use crate::common::*;

fn ids(v: &Value) -> Vec<String> {
    v["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn paging_5000_members_visits_each_once() {
    let emu = Emulator::builder()
        .fleet(Fleet::generate_elb_pool("big-pool", 5_000, 42))
        .seed(42)
        .start()
        .await
        .unwrap();
    let base = members_url(&emu, "big-pool");
    let mut seen = Vec::new();
    let mut marker: Option<String> = None;
    let mut pages = 0;
    loop {
        let url = match &marker {
            Some(m) => format!("{base}?limit=2000&marker={m}"),
            None => format!("{base}?limit=2000"),
        };
        let (s, v) = get(&emu, &url).await;
        assert_eq!(s, 200, "{v}");
        pages += 1;
        let page = ids(&v);
        assert_eq!(v["page_info"]["current_count"], page.len());
        assert_eq!(
            v["page_info"]["previous_marker"].as_str(),
            page.first().map(String::as_str)
        );
        seen.extend(page.iter().cloned());
        match v["page_info"]["next_marker"].as_str() {
            Some(next) => {
                assert_eq!(Some(next), page.last().map(String::as_str));
                marker = Some(next.to_string());
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 5_000);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 5_000);
    assert_eq!(emu.request_count(), 3);

    // Default limit is 2000; limit=0 means the default too.
    let (_, v) = get(&emu, &base).await;
    assert_eq!(ids(&v).len(), 2000);
    let (_, v) = get(&emu, &format!("{base}?limit=0")).await;
    assert_eq!(ids(&v).len(), 2000);

    // Reverse paging from the second page's first member gives the first page back.
    let (_, v) = get(
        &emu,
        &format!("{base}?limit=2000&marker={}&page_reverse=true", seen[2000]),
    )
    .await;
    assert_eq!(ids(&v), seen[..2000].to_vec());
    assert_eq!(
        v["page_info"]["next_marker"].as_str(),
        Some(seen[1999].as_str())
    );
    let (_, v) = get(
        &emu,
        &format!("{base}?limit=3&marker={}&page_reverse=true", seen[10]),
    )
    .await;
    assert_eq!(ids(&v), seen[7..10].to_vec());
}

#[tokio::test]
async fn small_pages_end_without_next_marker() {
    let emu = demo().await;
    let base = members_url(&emu, demo::POOL_WEB);
    let (_, v) = get(&emu, &format!("{base}?limit=4")).await;
    assert_eq!(ids(&v).len(), 4);
    let next = v["page_info"]["next_marker"].as_str().unwrap().to_string();
    let (_, v) = get(&emu, &format!("{base}?limit=4&marker={next}")).await;
    assert_eq!(ids(&v).len(), 2);
    assert!(v["page_info"].get("next_marker").is_none());
    assert!(v["request_id"].is_string());

    // Exactly `limit` left: no next marker either.
    let (_, v) = get(&emu, &format!("{base}?limit=6")).await;
    assert!(v["page_info"].get("next_marker").is_none());
    let last = ids(&v).pop().unwrap();
    let (_, v) = get(&emu, &format!("{base}?marker={last}")).await;
    assert_eq!(ids(&v).len(), 0);
    assert_eq!(v["page_info"]["current_count"], 0);
}

#[tokio::test]
async fn bad_paging_parameters_are_400() {
    let emu = demo().await;
    let base = members_url(&emu, demo::POOL_WEB);
    for q in [
        "limit=2001",
        "limit=-1",
        "limit=abc",
        "limit=99999999999999999999999999",
        "marker=3e3b0099-0000-4000-8000-000000000099",
        "page_reverse=maybe",
        "weight=heavy",
        "protocol_port=x",
        "admin_state_up=yes",
    ] {
        let (s, v) = get(&emu, &format!("{base}?{q}")).await;
        assert_eq!(s, 400, "{q}: {v}");
        assert_eq!(v["error_code"], "ELB.8902", "{q}");
        assert!(v["error_msg"].is_string() && v["request_id"].is_string());
    }
    let (s, v) = get(&emu, &members_url(&emu, "no-such-pool")).await;
    assert_eq!((s, v["error_code"].as_str()), (404, Some("ELB.8904")));
}

#[tokio::test]
async fn filters() {
    let emu = demo().await;
    let base = members_url(&emu, demo::POOL_WEB);
    let q = |query: &str| {
        let url = format!("{base}?{query}");
        let query = query.to_string();
        let emu = &emu;
        async move {
            let (s, v) = get(emu, &url).await;
            assert_eq!(s, 200, "{query}: {v}");
            let mut got = ids(&v);
            got.sort();
            got
        }
    };
    let sorted = |mut v: Vec<&str>| {
        v.sort();
        v.into_iter().map(String::from).collect::<Vec<_>>()
    };
    assert_eq!(
        q("address=10.0.1.10").await,
        sorted(vec![demo::MEMBER_WITH_INSTANCE])
    );
    assert_eq!(
        q("address=10.0.1.10&address=10.0.1.11").await,
        sorted(vec![demo::MEMBER_WITH_INSTANCE, demo::MEMBER_PORT_MATCH])
    );
    assert_eq!(
        q("address=10.0.1.10&protocol_port=81").await,
        Vec::<String>::new()
    );
    assert_eq!(
        q("protocol_port=8080").await,
        sorted(vec![demo::MEMBER_CROSS_VPC])
    );
    assert_eq!(
        q("member_type=ip").await,
        sorted(vec![demo::MEMBER_CROSS_VPC])
    );
    assert_eq!(q("weight=0").await, sorted(vec![demo::MEMBER_DRAINING]));
    assert_eq!(
        q("weight=10&weight=0").await,
        sorted(vec![demo::MEMBER_WITH_INSTANCE, demo::MEMBER_DRAINING])
    );
    assert_eq!(
        q("admin_state_up=false").await,
        sorted(vec![demo::MEMBER_NO_PORT])
    );
    assert_eq!(
        q("operating_status=OFFLINE").await,
        sorted(vec![demo::MEMBER_NO_PORT])
    );
    assert_eq!(
        q(&format!("id={}", demo::MEMBER_AMBIGUOUS)).await,
        sorted(vec![demo::MEMBER_AMBIGUOUS])
    );
    assert_eq!(
        q(&format!("instance_id={}", demo::ECS_1)).await,
        sorted(vec![demo::MEMBER_WITH_INSTANCE])
    );
    assert_eq!(
        q(&format!("subnet_cidr_id={}", demo::SUBNET_A2)).await,
        sorted(vec![demo::MEMBER_DRAINING])
    );
    assert_eq!(
        q("name=web-02").await,
        sorted(vec![demo::MEMBER_PORT_MATCH])
    );
    assert_eq!(q("ip_version=v6").await, Vec::<String>::new());
    assert_eq!(q("availability_zone=cn-north-4a&member_type=instance&operating_status=ONLINE&admin_state_up=true").await.len(), 4);
    // Unknown query parameters are ignored.
    assert_eq!(q("enterprise_project_id=all").await.len(), 6);

    let dual = members_url(&emu, demo::POOL_DUAL);
    let (_, v) = get(
        &emu,
        &format!("{dual}?ip_version=v6&address=2001:db8:a3:0::5"),
    )
    .await;
    assert_eq!(
        ids(&v),
        vec!["3e3b0022-0000-4000-8000-000000000022".to_string()]
    );
}

#[tokio::test]
async fn members_have_every_field() {
    let emu = demo().await;
    let (s, v) = get(
        &emu,
        &format!(
            "{}/{}",
            members_url(&emu, demo::POOL_WEB),
            demo::MEMBER_WITH_INSTANCE
        ),
    )
    .await;
    assert_eq!(s, 200);
    let m = &v["member"];
    for f in [
        "id",
        "name",
        "project_id",
        "admin_state_up",
        "subnet_cidr_id",
        "protocol_port",
        "weight",
        "address",
        "ip_version",
        "operating_status",
        "status",
        "created_at",
        "updated_at",
        "member_type",
        "instance_id",
        "availability_zone",
    ] {
        assert!(m.get(f).is_some(), "missing {f}");
    }
    assert_eq!(m["status"][0]["listener_id"], demo::LISTENER_WEB);
    assert_eq!(m["member_type"], "instance");
    assert_eq!(m["project_id"], emu.huawei().project_id.as_str());
    assert!(v["request_id"].is_string());

    let (_, v) = get(
        &emu,
        &format!(
            "{}/{}",
            members_url(&emu, demo::POOL_WEB),
            demo::MEMBER_CROSS_VPC
        ),
    )
    .await;
    assert_eq!(v["member"]["member_type"], "ip");
    assert_eq!(v["member"]["instance_id"], "");
    assert!(v["member"]["subnet_cidr_id"].is_null());

    let (_, v) = get(
        &emu,
        &format!(
            "{}/{}",
            members_url(&emu, demo::POOL_WEB),
            demo::MEMBER_PORT_MATCH
        ),
    )
    .await;
    assert!(v["member"].get("created_at").is_none());

    let (s, v) = get(&emu, &format!("{}/nope", members_url(&emu, demo::POOL_WEB))).await;
    assert_eq!((s, v["error_code"].as_str()), (404, Some("ELB.8904")));
}
