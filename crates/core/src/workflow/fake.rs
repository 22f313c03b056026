//! An in-memory provider for the workflows' unit tests: a list of backends, a hook
//! run before each listing (to change health over time), and a log of the writes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use futures::StreamExt;

use crate::{
    provider::BackendStream, Backend, BackendProvider, BackendUpdate, Capabilities, Error,
    ErrorKind, Health, NewBackend, ProviderKind, ResourceId, Result, Target, TargetInfo,
};

type Hook = Box<dyn FnMut(u32, &mut Vec<Backend>) + Send>;

#[derive(Default)]
pub(crate) struct State {
    pub backends: Vec<Backend>,
    pub lists: u32,
    pub writes: Vec<String>,
    pub next_id: u32,
}

pub(crate) struct Fake {
    pub target: Target,
    pub caps: Capabilities,
    pub state: Arc<Mutex<State>>,
    pub hook: Mutex<Option<Hook>>,
    pub drain_timeout: Option<std::time::Duration>,
}

impl std::fmt::Debug for Fake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Fake")
    }
}

pub(crate) fn backend(id: &str, addr: &str, port: u16, weight: u16, health: Health) -> Backend {
    let mut b = Backend::new(ProviderKind::HuaweiElb, id);
    b.address = Some(addr.parse().unwrap());
    b.port = Some(port);
    b.weight = Some(weight);
    b.health = health;
    b
}

impl Fake {
    pub fn new(backends: Vec<Backend>) -> Self {
        Self {
            target: "huawei-elb:pool-1".parse().unwrap(),
            caps: Capabilities::ALL,
            state: Arc::new(Mutex::new(State {
                backends,
                ..State::default()
            })),
            hook: Mutex::new(None),
            drain_timeout: None,
        }
    }

    pub fn on_list(self, hook: impl FnMut(u32, &mut Vec<Backend>) + Send + 'static) -> Self {
        *self.hook.lock().unwrap() = Some(Box::new(hook));
        self
    }

    pub fn writes(&self) -> Vec<String> {
        self.state.lock().unwrap().writes.clone()
    }

    pub fn lists(&self) -> u32 {
        self.state.lock().unwrap().lists
    }

    pub fn backends(&self) -> Vec<Backend> {
        self.state.lock().unwrap().backends.clone()
    }
}

#[async_trait]
impl BackendProvider for Fake {
    fn target(&self) -> &Target {
        &self.target
    }

    fn capabilities(&self) -> Capabilities {
        self.caps
    }

    fn list(&self) -> BackendStream<'_> {
        let mut st = self.state.lock().unwrap();
        st.lists += 1;
        let n = st.lists;
        if let Some(hook) = self.hook.lock().unwrap().as_mut() {
            hook(n, &mut st.backends);
        }
        let all: Vec<Result<Backend>> = st.backends.iter().cloned().map(Ok).collect();
        futures::stream::iter(all).boxed()
    }

    async fn get(&self, id: &ResourceId) -> Result<Backend> {
        crate::provider::find_listed(self.list(), id, &self.target).await
    }

    async fn add(&self, spec: &NewBackend) -> Result<Backend> {
        self.check_add(spec)?;
        let mut st = self.state.lock().unwrap();
        let addr = spec.address.unwrap();
        if st
            .backends
            .iter()
            .any(|b| b.address == Some(addr) && b.port == Some(spec.port.get()))
        {
            return Err(Error::new(ErrorKind::Conflict, "same address and port"));
        }
        st.next_id += 1;
        let id = format!("new-{}", st.next_id);
        st.writes.push(format!("add {addr}:{}", spec.port));
        let mut b = backend(
            &id,
            &addr.to_string(),
            spec.port.get(),
            spec.weight.map_or(1, |w| w.get()),
            Health::Pending,
        );
        b.name = spec.name.as_ref().map(ToString::to_string);
        st.backends.push(b.clone());
        Ok(b)
    }

    async fn update(&self, id: &ResourceId, change: &BackendUpdate) -> Result<Backend> {
        self.check_update(id, change)?;
        let mut st = self.state.lock().unwrap();
        st.writes.push(format!("update {id}"));
        let b = st
            .backends
            .iter_mut()
            .find(|b| b.id == id.as_str())
            .ok_or_else(|| Error::new(ErrorKind::NotFound, "no such backend"))?;
        if let Some(w) = change.weight {
            b.weight = Some(w.get());
        }
        if let Some(n) = &change.name {
            b.name = Some(n.to_string());
        }
        if let Some(up) = change.admin_up {
            b.admin_state = if up {
                crate::AdminState::Up
            } else {
                crate::AdminState::Down
            };
        }
        Ok(b.clone())
    }

    async fn remove(&self, id: &ResourceId) -> Result<()> {
        let mut st = self.state.lock().unwrap();
        st.writes.push(format!("remove {id}"));
        let before = st.backends.len();
        st.backends.retain(|b| b.id != id.as_str());
        if st.backends.len() == before {
            return Err(Error::new(ErrorKind::NotFound, "no such backend"));
        }
        Ok(())
    }

    async fn describe(&self) -> Result<TargetInfo> {
        match self.drain_timeout {
            Some(d) => Ok(TargetInfo::new(self.target.clone()).with_drain_timeout(d)),
            None => Err(Error::unsupported(self.kind(), "describing the target")),
        }
    }
}
