//! `describe()` of a CLB target: the load balancer (`DescribeLoadBalancers`: its
//! name), a listener (`DescribeTargetHealth`: its name, protocol and port), or a
//! layer-7 rule (its domain and URL as the name, the listener's protocol and port).

use lb_backends_core::{Error, ErrorKind, RawRecord, Result, TargetInfo};
use serde_json::{json, Value};

use super::{model, ClbV3Provider, LbKind};
use crate::client::Service;

fn text(v: &Value, name: &str) -> Option<String> {
    v.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

impl ClbV3Provider {
    pub(crate) async fn describe_impl(&self) -> Result<TargetInfo> {
        let lb = self.load_balancer_id.as_str();
        let Some(listener_id) = &self.listener_id else {
            let answer: model::LoadBalancers = self
                .client
                .call_v3(
                    Service::Clb,
                    "DescribeLoadBalancers",
                    &json!({"LoadBalancerIds": [lb]}),
                    true,
                )
                .await?;
            let record = answer
                .set
                .into_iter()
                .find(|r| r.get("LoadBalancerId").and_then(Value::as_str) == Some(lb))
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::NotFound,
                        format!("load balancer {lb} does not exist"),
                    )
                })?;
            let mut info = TargetInfo::new(self.target.clone());
            if let Some(name) = text(&record, "LoadBalancerName") {
                info = info.with_name(name);
            }
            return Ok(info.with_settings(RawRecord::from_value(&record)));
        };
        if self.kind().await? == LbKind::Classic {
            return Err(Error::invalid_input(format!(
                "{lb} is a classic CLB: describe tencent-clb:{lb}"
            )));
        }
        let answer: model::TargetHealthAnswer = self
            .client
            .call_v3(
                Service::Clb,
                "DescribeTargetHealth",
                &json!({"LoadBalancerIds": [lb], "ListenerIds": [listener_id.as_str()]}),
                true,
            )
            .await?;
        let listener = answer
            .load_balancers
            .iter()
            .filter_map(|l| l.get("Listeners").and_then(Value::as_array))
            .flatten()
            .find(|l| text(l, "ListenerId").as_deref() == Some(listener_id.as_str()))
            .cloned()
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::NotFound,
                    format!("listener {listener_id} is not a listener of load balancer {lb}"),
                )
            })?;
        let protocol = text(&listener, "Protocol").unwrap_or_default();
        let port = listener
            .get("Port")
            .and_then(Value::as_u64)
            .and_then(|p| u16::try_from(p).ok());
        let mut info = TargetInfo::new(self.target.clone())
            .with_load_balancer(lb)
            .with_listener(protocol, port);
        // The targets' health is not part of a description.
        let mut settings = listener.clone();
        let rules = settings
            .get_mut("Rules")
            .and_then(Value::as_array_mut)
            .map(std::mem::take)
            .unwrap_or_default();
        let mut rules: Vec<Value> = rules
            .into_iter()
            .map(|mut r| {
                if let Some(o) = r.as_object_mut() {
                    o.remove("Targets");
                }
                r
            })
            .collect();
        match &self.location_id {
            None => {
                if let Some(name) = text(&listener, "ListenerName") {
                    info = info.with_name(name);
                }
                settings["Rules"] = Value::Array(rules);
            }
            Some(loc) => {
                let i = rules
                    .iter()
                    .position(|r| text(r, "LocationId").as_deref() == Some(loc.as_str()))
                    .ok_or_else(|| {
                        Error::new(
                            ErrorKind::NotFound,
                            format!("rule {loc} is not a rule of listener {listener_id}"),
                        )
                    })?;
                let rule = rules.swap_remove(i);
                let name = format!(
                    "{}{}",
                    text(&rule, "Domain").unwrap_or_default(),
                    text(&rule, "Url").unwrap_or_default()
                );
                if !name.is_empty() {
                    info = info.with_name(name);
                }
                settings = json!({"Listener": {
                    "ListenerId": listener_id.as_str(),
                    "ListenerName": listener.get("ListenerName"),
                    "Protocol": listener.get("Protocol"),
                    "Port": listener.get("Port"),
                }, "Rule": rule});
            }
        }
        Ok(info.with_settings(RawRecord::from_value(&settings)))
    }
}
