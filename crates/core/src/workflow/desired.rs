//! Desired state: placeholder.
