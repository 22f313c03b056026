//! VPC ports and the ECS-lookup cases of the demo fleet.

use lb_backends_emulator::{fleet::demo, Emulator, Fleet};
use serde_json::Value;

use crate::common::*;

/// The ECS behind a member, the way API.md 2.6 says a client finds it.
async fn ecs_of(emu: &Emulator, member_id: &str) -> Result<Option<String>, String> {
    let (s, v) = get(
        emu,
        &format!("{}/{member_id}", members_url(emu, demo::POOL_WEB)),
    )
    .await;
    assert_eq!(s, 200);
    let m = &v["member"];
    if let Some(id) = m["instance_id"].as_str().filter(|s| !s.is_empty()) {
        return Ok(Some(id.to_string()));
    }
    let Some(subnet) = m["subnet_cidr_id"].as_str() else {
        return Ok(None);
    };
    let address = m["address"].as_str().unwrap();
    let (s, v) = get(
        emu,
        &format!("{}?fixed_ips=ip_address={address}", ports_url(emu)),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let hits: Vec<&Value> = v["ports"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            p["fixed_ips"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["subnet_id"] == subnet && f["ip_address"] == address)
        })
        .collect();
    match hits.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one["device_id"].as_str().unwrap().to_string())),
        _ => Err("ambiguous".into()),
    }
}

#[tokio::test]
async fn every_ecs_lookup_case_is_reachable() {
    let emu = demo().await;
    assert_eq!(
        ecs_of(&emu, demo::MEMBER_WITH_INSTANCE).await,
        Ok(Some(demo::ECS_1.into()))
    );
    assert_eq!(
        ecs_of(&emu, demo::MEMBER_PORT_MATCH).await,
        Ok(Some(demo::ECS_2.into()))
    );
    assert_eq!(ecs_of(&emu, demo::MEMBER_NO_PORT).await, Ok(None));
    assert_eq!(
        ecs_of(&emu, demo::MEMBER_AMBIGUOUS).await,
        Err("ambiguous".into())
    );
    assert_eq!(ecs_of(&emu, demo::MEMBER_CROSS_VPC).await, Ok(None));

    // The other-VPC port really shares the address.
    let (_, v) = get(
        &emu,
        &format!("{}?fixed_ips=ip_address=10.0.1.11", ports_url(&emu)),
    )
    .await;
    let devices: Vec<&str> = v["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["device_id"].as_str().unwrap())
        .collect();
    assert_eq!(devices, vec![demo::ECS_2, demo::ECS_OTHER_VPC]);
}

/// The keys of the official SDKs' VPC v2 `ListPortsResponse`/`ShowPortResponse`
/// (`{"ports"}`/`{"port"}`) and `Port` models, which are the cloud's VPC v1 bodies:
/// `cargo xtask official-sdks` failed on the `request_id` and the ports' `project_id`
/// the emulator used to add. The request id travels in `X-Request-Id`.
const SDK_PORT_KEYS: &[&str] = &[
    "admin_state_up",
    "allowed_address_pairs",
    "binding:profile",
    "binding:vif_details",
    "binding:vnic_type",
    "device_id",
    "device_owner",
    "dns_assignment",
    "dns_name",
    "enable_efi",
    "extra_dhcp_opts",
    "fixed_ips",
    "id",
    "instance_id",
    "instance_type",
    "ipv6_bandwidth_id",
    "mac_address",
    "name",
    "network_id",
    "port_security_enabled",
    "security_groups",
    "status",
    "tenant_id",
    "zone_id",
];

#[tokio::test]
async fn port_bodies_hold_only_the_clouds_keys() {
    let emu = demo().await;
    let (s, v, headers) = call(&emu, "GET", &ports_url(&emu), None).await;
    assert_eq!(s, 200);
    let top: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(top, ["ports"], "{v}");
    assert!(headers.contains_key("x-request-id"));
    let ports = v["ports"].as_array().unwrap();
    assert!(!ports.is_empty());
    for p in ports {
        for k in p.as_object().unwrap().keys() {
            assert!(
                SDK_PORT_KEYS.contains(&k.as_str()),
                "port key {k} is not the cloud's: {p}"
            );
        }
        assert_eq!(p["tenant_id"], emu.huawei().project_id.as_str());
    }
    let id = ports[0]["id"].as_str().unwrap();
    let (s, v, headers) = call(&emu, "GET", &format!("{}/{id}", ports_url(&emu)), None).await;
    assert_eq!(s, 200);
    let top: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(top, ["port"], "{v}");
    assert!(headers.contains_key("x-request-id"));
    assert!(v["port"].get("project_id").is_none(), "{v}");
}

#[tokio::test]
async fn port_fields_filters_and_paging() {
    let emu = demo().await;
    let (s, v) = get(&emu, &ports_url(&emu)).await;
    assert_eq!(s, 200);
    let all: Vec<Value> = v["ports"].as_array().unwrap().clone();
    assert_eq!(all.len(), 10);
    for f in [
        "id",
        "name",
        "status",
        "admin_state_up",
        "fixed_ips",
        "device_id",
        "device_owner",
        "network_id",
        "mac_address",
        "instance_id",
        "tenant_id",
        "binding:vnic_type",
    ] {
        assert!(all[0].get(f).is_some(), "missing {f}");
    }
    assert!(all[0]["device_owner"]
        .as_str()
        .unwrap()
        .starts_with("compute:"));

    // Paging by marker visits each once.
    let mut seen = Vec::new();
    let mut url = format!("{}?limit=3", ports_url(&emu));
    loop {
        let (_, v) = get(&emu, &url).await;
        let page = v["ports"].as_array().unwrap();
        seen.extend(page.iter().map(|p| p["id"].clone()));
        if page.len() < 3 {
            break;
        }
        url = format!(
            "{}?limit=3&marker={}",
            ports_url(&emu),
            page[2]["id"].as_str().unwrap()
        );
    }
    assert_eq!(
        seen,
        all.iter().map(|p| p["id"].clone()).collect::<Vec<_>>()
    );

    let q = format!(
        "{}?fixed_ips=ip_address=10.0.1.13&fixed_ips=subnet_id={}",
        ports_url(&emu),
        demo::SUBNET_A1
    );
    assert_eq!(get(&emu, &q).await.1["ports"].as_array().unwrap().len(), 2);
    let q = format!(
        "{}?fixed_ips=ip_address%3D10.0.1.11&device_id={}",
        ports_url(&emu),
        demo::ECS_OTHER_VPC
    );
    assert_eq!(get(&emu, &q).await.1["ports"].as_array().unwrap().len(), 1);
    let q = format!("{}?fixed_ips=ip_address=10.9.9.9", ports_url(&emu));
    assert_eq!(get(&emu, &q).await.1["ports"].as_array().unwrap().len(), 0);

    let id = all[0]["id"].as_str().unwrap();
    let (s, v) = get(&emu, &format!("{}/{id}", ports_url(&emu))).await;
    assert_eq!((s, v["port"]["id"].as_str()), (200, Some(id)));
    let (s, _) = get(&emu, &format!("{}/nope", ports_url(&emu))).await;
    assert_eq!(s, 404);

    for bad in [
        "limit=5000",
        "marker=nope",
        "fixed_ips=mac=1",
        "fixed_ips=ip_address=zzz",
    ] {
        let (s, v) = get(&emu, &format!("{}?{bad}", ports_url(&emu))).await;
        assert_eq!(
            (s, v["error_code"].as_str()),
            (400, Some("VPC.0002")),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn generated_members_have_ports() {
    let emu = Emulator::builder()
        .fleet(Fleet::generate_elb_pool("g", 300, 3))
        .start()
        .await
        .unwrap();
    let members = emu.huawei_members("g").unwrap();
    let m = members
        .iter()
        .find(|m| m.member_type == "instance" && m.instance_id.is_empty())
        .unwrap();
    let (_, v) = get(
        &emu,
        &format!("{}?fixed_ips=ip_address={}", ports_url(&emu), m.address),
    )
    .await;
    let ports = v["ports"].as_array().unwrap();
    assert_eq!(ports.len(), 1);
    assert_eq!(
        ports[0]["fixed_ips"][0]["subnet_id"].as_str(),
        m.subnet_cidr_id.as_deref()
    );
}
