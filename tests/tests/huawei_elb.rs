//! Huawei ELB provider end to end against the emulator: paging, create rules and
//! conflicts, safe create retry, the ECS lookup, faults, odd bodies, and auth (secrets: `huawei_elb_secrets.rs`).

mod huawei_common;

use std::{collections::BTreeSet, time::Duration};

use futures::TryStreamExt;
use huawei_common::{client, emulator, SK, TOKEN};
use lb_backends_core::{
    transport::{RetryPolicy, TransportConfig},
    Backend, BackendProvider, BackendUpdate, ErrorKind, Health, InstanceKind, InstanceLookup,
    NewBackend, Port, ResourceId, Target, Weight,
};
use lb_backends_emulator::{
    fleet::demo, Emulator, FaultInjection, FaultKind, Faults, Fleet, DEFAULT_AK,
};
use lb_backends_huawei_core::{Credentials, HuaweiClient};
use lb_backends_huawei_elb::{CreateMember, ElbProvider};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

const BIG_POOL: &str = "5a1e5000-0000-4000-8000-000000005000";

fn provider(emu: &Emulator, pool: &str) -> ElbProvider {
    ElbProvider::new(
        client(emu, Credentials::token(TOKEN), 8),
        ResourceId::new(pool).unwrap(),
    )
}

fn fleet_ids(emu: &Emulator, pool: &str) -> BTreeSet<String> {
    emu.huawei_members(pool)
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect()
}

/// Every id once: the set has as many ids as the listing had members.
fn ids_once(members: &[Backend]) -> BTreeSet<String> {
    let ids: BTreeSet<String> = members.iter().map(|b| b.id.clone()).collect();
    assert_eq!(ids.len(), members.len(), "a member was yielded twice");
    ids
}

#[tokio::test]
async fn a_pool_of_5000_lists_each_member_exactly_once() {
    let emu = emulator(Fleet::generate_elb_pool(BIG_POOL, 5_000, 42)).await;
    let p = provider(&emu, BIG_POOL);
    assert_eq!(p.page_size(), 2000);
    let members: Vec<Backend> = p.list().try_collect().await.unwrap();
    assert_eq!(members.len(), 5_000);
    assert_eq!(ids_once(&members), fleet_ids(&emu, BIG_POOL));
    assert_eq!(emu.request_count(), 3, "2000 + 2000 + 1000");
}

#[tokio::test]
async fn creating_the_same_address_and_port_twice_is_a_conflict() {
    let emu = emulator(Fleet::demo()).await;
    let p = provider(&emu, demo::POOL_WEB);
    let spec = CreateMember::new("192.168.60.1", 9000).with_name("e2e");
    let made = p.create_member(&spec).await.unwrap();
    assert_eq!(made.address, Some("192.168.60.1".parse().unwrap()));
    assert_eq!((made.port, made.name.as_deref()), (Some(9000), Some("e2e")));
    let err = p.create_member(&spec).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err}");
    assert_eq!(err.status(), Some(409));
}

#[tokio::test]
async fn bad_input_fails_clearly_and_sends_nothing() {
    let emu = emulator(Fleet::demo()).await;
    let p = provider(&emu, demo::POOL_WEB);
    let subnet = demo::SUBNET_A1;
    let cases = [
        (
            CreateMember::new("10.0.1.50", 80)
                .with_subnet(subnet)
                .with_weight(101),
            "weight 101 is out of range",
        ),
        (
            CreateMember::new("10.0.1.50", 0).with_subnet(subnet),
            "port 0 is out of range",
        ),
        (CreateMember::new("2001:db8::50", 80), "cross-VPC"),
        (
            CreateMember::new("10.0.1.50", 80)
                .with_subnet(subnet)
                .with_name("n".repeat(256)),
            "at most 255",
        ),
    ];
    for (spec, says) in cases {
        let err = p.create_member(&spec).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().contains(says), "{err} should say {says:?}");
    }
    for bad in ["../x", "a?b"] {
        let err = ResourceId::new(bad).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        let err = format!("huawei-elb:{bad}").parse::<Target>().unwrap_err();
        assert!(err.to_string().contains("pool id"), "{err}");
    }
    let err = p
        .update(
            &ResourceId::new(demo::MEMBER_DRAINING).unwrap(),
            &BackendUpdate::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    // Port 0 is valid in a pool with any_port_enable only: that case reads the pool
    // (once), and nothing else is sent.
    let sent: Vec<String> = emu
        .requests()
        .into_iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        sent,
        [format!(
            "GET /v3/{}/elb/pools/{}",
            emu.huawei().project_id,
            demo::POOL_WEB
        )]
    );
}

#[tokio::test]
async fn the_ecs_lookup_gives_each_answer() {
    let emu = emulator(Fleet::demo()).await;
    let p = provider(&emu, demo::POOL_WEB);
    let lookup = |id: &'static str| {
        let p = p.clone();
        async move { p.instance_of(&ResourceId::new(id).unwrap()).await.unwrap() }
    };
    let found = |l: InstanceLookup| match l {
        InstanceLookup::Found { instance } => {
            assert_eq!(instance.kind, InstanceKind::Ecs);
            instance.id
        }
        other => panic!("expected Found, got {other:?}"),
    };
    assert_eq!(found(lookup(demo::MEMBER_WITH_INSTANCE).await), demo::ECS_1);
    // Same address on a port in another VPC: the subnet decides.
    assert_eq!(found(lookup(demo::MEMBER_PORT_MATCH).await), demo::ECS_2);
    assert_eq!(lookup(demo::MEMBER_NO_PORT).await, InstanceLookup::NoMatch);
    match lookup(demo::MEMBER_AMBIGUOUS).await {
        InstanceLookup::Ambiguous { candidates } => {
            let got: BTreeSet<_> = candidates.into_iter().collect();
            assert_eq!(
                got,
                BTreeSet::from([demo::ECS_3.into(), demo::ECS_4.into()])
            );
        }
        other => panic!("expected Ambiguous, got {other:?}"),
    }
    assert_eq!(
        lookup(demo::MEMBER_CROSS_VPC).await,
        InstanceLookup::NotBound
    );
}

fn at(emu: &Emulator, pool: &str, address: &str, port: u16) -> Vec<String> {
    emu.huawei_members(pool)
        .unwrap()
        .into_iter()
        .filter(|m| m.address == address && m.protocol_port == port)
        .map(|m| m.id)
        .collect()
}

#[tokio::test]
async fn create_is_retried_safely_after_a_lost_answer() {
    let emu = emulator(Fleet::demo()).await;
    let p = provider(&emu, demo::POOL_WEB);
    // Applied, then the connection dropped: the member is found, not created twice.
    let methods = |emu: &Emulator| -> Vec<String> {
        let seen = emu.requests().into_iter().map(|r| r.method).collect();
        emu.reset_request_count();
        seen
    };
    emu.inject(FaultInjection::new(FaultKind::DropAfterCommit).method("POST"));
    let made = p
        .create_member(&CreateMember::new("192.168.70.1", 81))
        .await
        .unwrap();
    assert_eq!(at(&emu, demo::POOL_WEB, "192.168.70.1", 81), [made.id]);
    assert_eq!(methods(&emu), ["POST", "GET"], "the lookup found it");
    // Dropped before it was applied: not found, so sent again, once.
    emu.inject(FaultInjection::new(FaultKind::DropConnection).method("POST"));
    let made = p
        .create_member(&CreateMember::new("192.168.70.2", 81))
        .await
        .unwrap();
    assert_eq!(at(&emu, demo::POOL_WEB, "192.168.70.2", 81), [made.id]);
    assert_eq!(methods(&emu), ["POST", "GET", "POST"]);
    // Applied and the 201 cut short: found as well.
    emu.inject(FaultInjection::new(FaultKind::TruncatedBody).method("POST"));
    let spec = NewBackend::new("192.168.70.3".parse().unwrap(), Port::new(81).unwrap());
    let made = p.add(&spec).await.unwrap();
    assert_eq!(at(&emu, demo::POOL_WEB, "192.168.70.3", 81), [made.id]);
    assert_eq!(methods(&emu), ["POST", "GET"]);
}

#[tokio::test]
async fn faults_on_20_percent_still_list_each_member_once_and_100_percent_ends() {
    let emu = emulator(Fleet::generate_elb_pool(BIG_POOL, 5_000, 42)).await;
    let kinds = [
        FaultKind::ServerError,
        FaultKind::Throttle,
        FaultKind::DropConnection,
    ];
    emu.set_faults(Faults {
        retry_after: Duration::ZERO,
        ..Faults::random(0.2, kinds)
    });
    let p = provider(&emu, BIG_POOL);
    let members: Vec<Backend> = p.list().try_collect().await.unwrap();
    assert_eq!(ids_once(&members), fleet_ids(&emu, BIG_POOL));
    let faulted = emu.requests().iter().filter(|r| r.fault.is_some()).count();
    assert!(faulted > 0, "the seed must inject at least one fault");

    emu.set_faults(Faults {
        retry_after: Duration::ZERO,
        ..Faults::random(1.0, kinds)
    });
    emu.reset_request_count();
    let outcome = tokio::time::timeout(Duration::from_secs(20), p.list().try_collect::<Vec<_>>())
        .await
        .expect("a listing under 100% faults must end, not hang");
    let err = outcome.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    assert_eq!(emu.request_count(), 8, "the whole retry budget, no more");
}

/// A tiny server that answers every request with the body chosen by its last path
/// segment, for bodies the emulator never sends.
async fn odd_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = vec![0u8; 16 * 1024];
            let mut got = 0;
            while !buf[..got].windows(4).any(|w| w == b"\r\n\r\n") {
                match sock.read(&mut buf[got..]).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => got += n,
                }
            }
            let head = String::from_utf8_lossy(&buf[..got]).to_string();
            let target = head.split(' ').nth(1).unwrap_or_default().to_owned();
            let path = target.split('?').next().unwrap_or_default();
            let (status, body) = match path.rsplit('/').next().unwrap_or_default() {
                "truncated" => (200, r#"{"member": {"id": "truncated", "address": "10."#),
                "nulls" => (
                    200,
                    r#"{"member": {"id": null, "name": null, "address": null, "protocol_port": null, "weight": null, "operating_status": null, "status": null, "admin_state_up": null, "subnet_cidr_id": null, "instance_id": null, "created_at": null}}"#,
                ),
                "enums" => (
                    200,
                    r#"{"member": {"id": "enums", "operating_status": "DRAINING", "member_type": "hologram", "status": [{"listener_id": "l1", "operating_status": "WARMING_UP"}]}}"#,
                ),
                "types" => (
                    200,
                    r#"{"member": {"id": "types", "address": 10, "protocol_port": "80", "weight": [1], "admin_state_up": "yes", "status": "ONLINE"}}"#,
                ),
                "html" => (
                    502,
                    "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
                ),
                "html200" => (200, "<!DOCTYPE html><html><body>Login</body></html>"),
                "members" => (
                    200,
                    r#"{"members": [{"id": null, "address": null}], "page_info": null}"#,
                ),
                "ports" => (
                    200,
                    r#"{"ports": [null, {"fixed_ips": null}, {"device_id": "x", "fixed_ips": [{"subnet_id": null, "ip_address": "10.0.0.5"}]}]}"#,
                ),
                _ => (
                    200,
                    r#"{"member": {"id": "m", "address": "10.0.0.5", "subnet_cidr_id": "sub-1", "instance_id": null}}"#,
                ),
            };
            let reply = format!(
                "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = sock.write_all(reply.as_bytes()).await;
            let _ = sock.shutdown().await;
        }
    });
    url
}

#[tokio::test]
async fn odd_bodies_give_typed_errors_or_unknown_values_never_a_panic() {
    let url = odd_server().await;
    let client = HuaweiClient::builder()
        .project_id("0123456789abcdef0123456789abcdef")
        .credentials(Credentials::token(TOKEN))
        .endpoint_all(url)
        .transport_config(TransportConfig {
            retry: RetryPolicy::default()
                .with_max_attempts(2)
                .with_initial_backoff(Duration::from_millis(1)),
            ..TransportConfig::default()
        })
        .build()
        .unwrap();
    let p = ElbProvider::new(client, ResourceId::new("pool-odd").unwrap());
    let get = |id: &'static str| {
        let p = p.clone();
        async move { p.get(&ResourceId::new(id).unwrap()).await }
    };
    assert_eq!(
        get("truncated").await.unwrap_err().kind(),
        ErrorKind::Decode
    );
    let err = get("html").await.unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Service, Some(502)));
    assert!(err.message().contains("502 Bad Gateway"), "{err}");
    assert_eq!(get("html200").await.unwrap_err().kind(), ErrorKind::Decode);
    let b = get("nulls").await.unwrap();
    assert_eq!(
        (b.id.as_str(), b.address, b.port, b.weight),
        ("nulls", None, None, None)
    );
    assert_eq!((b.health, b.instance), (Health::NotReported, None));
    let b = get("enums").await.unwrap();
    assert_eq!(b.health, Health::Unknown("DRAINING".into()));
    assert_eq!(
        b.listener_health[0].health,
        Health::Unknown("WARMING_UP".into())
    );
    let b = get("types").await.unwrap();
    assert_eq!((b.address, b.port, b.weight), (None, None, None));
    assert!(b.listener_health.is_empty());
    let err = p.list().try_collect::<Vec<_>>().await.unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::Decode,
        "a member without an id: {err}"
    );
    // A port that is not an object (here `null`) makes the ports page unusable: an
    // error, never a "no match" read from a broken page.
    let err = p
        .instance_of(&ResourceId::new("m").unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
}

#[tokio::test]
async fn token_and_aksk_both_work_and_a_wrong_sk_is_unauthorized() {
    let emu = emulator(Fleet::demo()).await;
    let pool = ResourceId::new(demo::POOL_WEB).unwrap();
    let expected = fleet_ids(&emu, demo::POOL_WEB);
    for creds in [
        Credentials::token(TOKEN),
        Credentials::ak_sk(DEFAULT_AK, SK),
    ] {
        let p = ElbProvider::new(client(&emu, creds, 2), pool.clone()).with_page_size(2);
        let got: Vec<Backend> = p.list().try_collect().await.unwrap();
        assert_eq!(ids_once(&got), expected);
        // A write, signed too (a body is part of the signature).
        let id = ResourceId::new(demo::MEMBER_DRAINING).unwrap();
        let b = p
            .update(
                &id,
                &BackendUpdate::new().with_weight(Weight::new(3).unwrap()),
            )
            .await
            .unwrap();
        assert_eq!(b.weight, Some(3));
    }
    for creds in [
        Credentials::ak_sk(DEFAULT_AK, "wrong-sk"),
        Credentials::token("wrong-token"),
    ] {
        let p = ElbProvider::new(client(&emu, creds, 3), pool.clone());
        let err = p.list().try_collect::<Vec<_>>().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unauthorized, "{err}");
        assert!(!err.is_retryable());
    }
}

#[tokio::test]
async fn add_update_remove_round_trip_through_the_trait() {
    let emu = emulator(Fleet::demo()).await;
    let p: Box<dyn BackendProvider> = Box::new(provider(&emu, demo::POOL_WEB));
    let spec = NewBackend::new("10.0.1.77".parse().unwrap(), Port::new(8081).unwrap())
        .with_subnet(ResourceId::new(demo::SUBNET_A1).unwrap())
        .with_weight(Weight::new(5).unwrap());
    let made = p.add(&spec).await.unwrap();
    assert_eq!(made.weight, Some(5));
    let id = ResourceId::new(made.id.clone()).unwrap();
    // The admin state is read-only on ELB: refused before sending.
    let requests = emu.request_count();
    let err = p
        .update(&id, &BackendUpdate::new().with_admin_up(false))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert_eq!(emu.request_count(), requests);
    let up = p
        .update(
            &id,
            &BackendUpdate::new().with_weight(Weight::new(0).unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(up.weight, Some(0));
    assert_eq!(p.get(&id).await.unwrap().id, made.id);
    p.remove(&id).await.unwrap();
    assert_eq!(p.get(&id).await.unwrap_err().kind(), ErrorKind::NotFound);
}
