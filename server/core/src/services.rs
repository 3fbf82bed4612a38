//! Everything a request needs from the server, handed to server functions
//! through Leptos context and to axum handlers as state.

use std::sync::Arc;

use crate::clock::{Clock, SystemClock};
use crate::hashing::{HashCost, HashError, Hasher};
use crate::rules::CommonPasswords;
use crate::store::Store;

#[derive(Clone)]
pub struct Services {
    pub store: Store,
    pub hasher: Hasher,
    pub clock: Arc<dyn Clock>,
    pub common_passwords: &'static CommonPasswords,
}

impl Services {
    /// The production wiring: the system clock and the shipped list.
    pub fn new(store: Store, hash_cost: HashCost) -> Result<Self, HashError> {
        Ok(Self {
            store,
            hasher: Hasher::new(hash_cost)?,
            clock: Arc::new(SystemClock),
            common_passwords: CommonPasswords::shipped(),
        })
    }
}
