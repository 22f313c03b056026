//! Defects the fuzz harness found, each with its body in `findings/`, and the test
//! that keeps each fixed. (While a defect is open, its test is `#[ignore]`d with the
//! reason, and its violation listed in `decoders::KNOWN`.)

use http::HeaderMap;
use lb_backends_core::{transport::RawResponse, InstanceLookup};

fn ok(body: &str) -> RawResponse {
    RawResponse::new(200, HeaderMap::new(), body.to_owned())
}

/// VPC ports: a port that is an array (serde's sequence form of `VpcPort`) decoded
/// as a NIC, and the ECS lookup answered with its device. Now the page is refused.
#[test]
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

/// VPC ports: `{"ports":[2,false]}` decoded as two (empty) ports. Now refused.
#[test]
fn scalars_are_not_ports() {
    let body = include_str!("../findings/vpc-ports-scalar-ports.json");
    let ports = lb_backends_huawei_elb::fuzzing::ports_page(&ok(body));
    assert!(
        ports.as_ref().map_or(true, Vec::is_empty),
        "scalars were read as ports: {ports:?}"
    );
}
