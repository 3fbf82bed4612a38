//! One Argon2 run, in memory each hashing thread allocates once.

use std::cell::RefCell;

use argon2::{Algorithm, Argon2, Block, Params, Version};

use super::HashError;
use crate::rules::Password;

thread_local! {
    /// Each hashing thread's Argon2 memory, allocated once and reused.
    /// Allocating 19 MiB per hash instead fragments the allocator's heap:
    /// measured, the server's RSS grew by about 15 MiB per registration.
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Argon2 of `password` and `salt` into `output`.
pub(super) fn compute(
    algorithm: Algorithm,
    version: Version,
    params: &Params,
    password: &Password,
    salt: &[u8],
    output: &mut [u8],
) -> Result<(), HashError> {
    let argon2 = Argon2::new(algorithm, version, params.clone());
    BLOCKS.with(|blocks| {
        let mut blocks = blocks.borrow_mut();
        let needed = params.block_count();
        if blocks.len() < needed {
            blocks.resize(needed, Block::default());
        }
        argon2
            .hash_password_into_with_memory(
                password.expose().as_bytes(),
                salt,
                output,
                &mut blocks[..needed],
            )
            .map_err(|error| HashError::Hash(error.to_string()))
    })
}
