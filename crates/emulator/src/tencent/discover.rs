//! Discovery (issue 13) on the Tencent side: the `BackendPrivateIps` filter of API 3.0
//! `DescribeLoadBalancers` (which `clb` serves, paging by `Offset`/`Limit`; this adds
//! the filter).

use crate::fleet::Clb3LoadBalancer;

/// Whether `lb` has a backend at one of `ips` (any listener, rule or classic CVM);
/// no filter (`None`) matches every load balancer.
pub(crate) fn has_backend_ip(lb: &Clb3LoadBalancer, ips: Option<&[String]>) -> bool {
    let Some(ips) = ips else {
        return true;
    };
    let hit = |ip: &String| ips.contains(ip);
    lb.listeners.iter().any(|l| {
        l.targets.iter().any(|t| hit(&t.private_ip))
            || l.rules
                .iter()
                .any(|r| r.targets.iter().any(|t| hit(&t.private_ip)))
    }) || lb.classic_targets.iter().any(|t| hit(&t.private_ip))
}
