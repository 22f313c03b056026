//! The live APIG resources: per instance, the VPC channels with their members in
//! listing order, and the switches tests use (forbidden, forced failures, a `total`
//! that lies, the time a write takes).

use std::collections::HashMap;
use std::time::Duration;

use rand::Rng;

use super::DEFAULT_WRITE_TIME;
use crate::error::{Error, Result};
use crate::fleet::{ApigFleet, ChannelMember, VpcChannel};
use crate::util::uuid;

/// A channel and its members.
#[derive(Debug)]
pub(crate) struct ChannelState {
    /// The channel's settings (its `members` field is left empty).
    pub spec: VpcChannel,
    /// In listing order.
    pub members: Vec<ChannelMember>,
    /// Added to the real count in the `total` of a listing (floored at 0).
    pub total_skew: i64,
    /// A write is in progress: another one now fails with `APIG.9999`.
    pub writing: bool,
}

impl ChannelState {
    /// Where the member with this address key is.
    pub(crate) fn position(&self, key: &Option<String>) -> Option<usize> {
        self.members.iter().position(|m| &m.address_key() == key)
    }
}

/// All APIG resources and switches.
#[derive(Debug, Default)]
pub(crate) struct ApigStore {
    /// instance id → channel id → channel.
    pub instances: HashMap<String, HashMap<String, ChannelState>>,
    /// Every APIG call answers 403 `APIG.1005`.
    pub forbidden: bool,
    /// The next this many APIG calls answer 500 `APIG.9999`.
    pub fail_next: u32,
    /// How long a write holds its channel.
    pub write_time: Duration,
}

/// A fresh member id: 32 lowercase hex characters, like APIG's.
pub(crate) fn member_id<R: Rng + ?Sized>(rng: &mut R) -> String {
    uuid(rng).replace('-', "")
}

impl ApigStore {
    /// Builds the store; member ids and `vpc_channel_id`s left empty are filled in.
    /// The fleet must be valid.
    pub(crate) fn load<R: Rng + ?Sized>(fleet: &ApigFleet, rng: &mut R) -> Result<ApigStore> {
        let mut store = ApigStore {
            write_time: DEFAULT_WRITE_TIME,
            ..ApigStore::default()
        };
        for inst in &fleet.instances {
            let mut channels = HashMap::new();
            for ch in &inst.channels {
                let mut spec = ch.clone();
                spec.members = Vec::new();
                let members = ch
                    .members
                    .iter()
                    .map(|m| {
                        let mut m = m.clone();
                        if m.id.is_empty() {
                            m.id = member_id(rng);
                        }
                        if m.vpc_channel_id.is_empty() {
                            m.vpc_channel_id.clone_from(&ch.id);
                        }
                        m
                    })
                    .collect();
                let state = ChannelState {
                    spec,
                    members,
                    total_skew: 0,
                    writing: false,
                };
                if channels.insert(ch.id.clone(), state).is_some() {
                    return Err(Error::Fixture(format!(
                        "duplicate VPC channel id {}",
                        ch.id
                    )));
                }
            }
            if store.instances.insert(inst.id.clone(), channels).is_some() {
                return Err(Error::Fixture(format!(
                    "duplicate APIG instance id {}",
                    inst.id
                )));
            }
        }
        Ok(store)
    }

    /// The channel, if both the instance and the channel exist.
    pub(crate) fn channel_mut(
        &mut self,
        instance_id: &str,
        channel_id: &str,
    ) -> Option<&mut ChannelState> {
        self.instances.get_mut(instance_id)?.get_mut(channel_id)
    }
}
