//! Everything a request needs from the server, handed to server functions
//! through Leptos context and to axum handlers as state.

use crate::store::Store;

#[derive(Clone)]
pub struct Services {
    pub store: Store,
}

impl Services {
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}
