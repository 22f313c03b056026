//! Defects the fuzz harness found, each with its body in `findings/`. A test here is
//! ignored while its defect is open and passes once it is fixed: run them with
//! `cargo test -p lb-backends-fuzz --test findings -- --ignored`.

use http::HeaderMap;
use lb_backends_core::{transport::RawResponse, InstanceLookup};

fn ok(body: &str) -> RawResponse {
    RawResponse::new(200, HeaderMap::new(), body.to_owned())
}

/// VPC ports: a port that is an array (serde's sequence form of `VpcPort`) decodes
/// as a NIC, and the ECS lookup answers with its device.
#[test]
#[ignore = "open defect: VPC ports accept arrays for objects (issue 8 item 7's class, in ecs::ports_page)"]
fn a_port_in_sequence_form_is_not_a_nic() {
    let body = include_str!("../findings/vpc-ports-array-port.json");
    let found = lb_backends_huawei_elb::fuzzing::ports_page(&ok(body)).map(|ports| {
        lb_backends_huawei_elb::fuzzing::pick(
            &ports,
            "c09f620e-3492-4429-ac15-445d5dd9ca74",
            "10.0.1.10",
        )
    });
    assert!(
        !matches!(found, Ok(InstanceLookup::Found { .. })),
        "an array was read as a port: {found:?}"
    );
}

/// VPC ports: `{"ports":[2,false]}` decodes as two (empty) ports.
#[test]
#[ignore = "open defect: VPC ports accept scalars as empty ports (in ecs::ports_page)"]
fn scalars_are_not_ports() {
    let body = include_str!("../findings/vpc-ports-scalar-ports.json");
    let ports = lb_backends_huawei_elb::fuzzing::ports_page(&ok(body));
    assert!(
        ports.as_ref().map_or(true, Vec::is_empty),
        "scalars were read as ports: {ports:?}"
    );
}

/// The defect is there today (this test keeps the finding honest: when it fails,
/// the defect is fixed; un-ignore the tests above and drop the KNOWN entry).
#[test]
fn the_sequence_form_port_is_read_today() {
    let body = include_str!("../findings/vpc-ports-array-port.json");
    let ports = lb_backends_huawei_elb::fuzzing::ports_page(&ok(body)).unwrap();
    let found = lb_backends_huawei_elb::fuzzing::pick(
        &ports,
        "c09f620e-3492-4429-ac15-445d5dd9ca74",
        "10.0.1.10",
    );
    assert!(matches!(found, InstanceLookup::Found { .. }), "{found:?}");
}
