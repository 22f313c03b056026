//! Where each Huawei service lives: `https://{service}.{region}.myhuaweicloud.com`,
//! every one overridable (private clouds, proxies, the emulator).

use std::fmt;

use lb_backends_core::{Endpoint, Error, Result};

/// A Huawei Cloud service this crate calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Service {
    /// Elastic Load Balance (v3 members).
    Elb,
    /// Virtual Private Cloud (v1 ports, for the ECS behind a member).
    Vpc,
    /// API Gateway (VPC channel members).
    Apig,
    /// Identity and Access Management (password tokens, project discovery).
    Iam,
}

impl Service {
    /// The host prefix of the public endpoint.
    pub fn host_prefix(self) -> &'static str {
        match self {
            Self::Elb => "elb",
            Self::Vpc => "vpc",
            Self::Apig => "apig",
            Self::Iam => "iam",
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.host_prefix())
    }
}

/// The endpoint of each service for one region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    elb: Endpoint,
    vpc: Endpoint,
    apig: Endpoint,
    iam: Endpoint,
}

impl Endpoints {
    /// The public endpoints of `region` (e.g. `cn-north-4`).
    pub fn for_region(region: &str) -> Result<Self> {
        check_region(region)?;
        let make = |s: Service| {
            // The SDK's region tables (huawei-more.md 8): APIG and IAM of
            // eu-west-101 live under .eu.
            let tld = if region == "eu-west-101" && matches!(s, Service::Apig | Service::Iam) {
                "myhuaweicloud.eu"
            } else {
                "myhuaweicloud.com"
            };
            Endpoint::parse(&format!("https://{}.{region}.{tld}", s.host_prefix()))
        };
        Ok(Self {
            elb: make(Service::Elb)?,
            vpc: make(Service::Vpc)?,
            apig: make(Service::Apig)?,
            iam: make(Service::Iam)?,
        })
    }

    /// Every service at one base URL (the emulator serves them all on one port).
    pub fn all_at(endpoint: Endpoint) -> Self {
        Self {
            elb: endpoint.clone(),
            vpc: endpoint.clone(),
            apig: endpoint.clone(),
            iam: endpoint,
        }
    }

    /// Send `service` to `endpoint` instead.
    pub fn set(&mut self, service: Service, endpoint: Endpoint) {
        match service {
            Service::Elb => self.elb = endpoint,
            Service::Vpc => self.vpc = endpoint,
            Service::Apig => self.apig = endpoint,
            Service::Iam => self.iam = endpoint,
        }
    }

    /// The endpoint of `service`.
    pub fn get(&self, service: Service) -> &Endpoint {
        match service {
            Service::Elb => &self.elb,
            Service::Vpc => &self.vpc,
            Service::Apig => &self.apig,
            Service::Iam => &self.iam,
        }
    }
}

/// Region names are lower-case letters, digits and `-` (`cn-north-4`, `ap-southeast-1`);
/// they become part of a host name, so nothing else may pass.
pub(crate) fn check_region(region: &str) -> Result<()> {
    let ok = !region.is_empty()
        && region.len() <= 32
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_input(format!(
            "region {region:?} is not a Huawei Cloud region name (e.g. cn-north-4)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_make_hosts_and_bad_ones_are_refused() {
        let e = Endpoints::for_region("ap-southeast-1").unwrap();
        assert_eq!(
            e.get(Service::Vpc).to_string(),
            "https://vpc.ap-southeast-1.myhuaweicloud.com"
        );
        for bad in ["", "CN-NORTH-4", "cn-north-4.evil.com", "a/b"] {
            assert!(Endpoints::for_region(bad).is_err(), "{bad}");
        }
    }
}
