//! The PHC string format the hashes are stored in:
//! `$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>`.

use argon2::{
    password_hash::{Output, PasswordHash, SaltString},
    Algorithm, Params, Version,
};
use rand::RngCore;

use super::{compute::compute, HashError};
use crate::rules::Password;

/// Hashes `password` with a fresh random salt, as a PHC string.
pub(super) fn hash_blocking(params: &Params, password: &Password) -> Result<String, HashError> {
    let mut salt = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    let salt_text =
        SaltString::encode_b64(&salt).map_err(|error| HashError::Hash(error.to_string()))?;
    let mut output = [0u8; Params::DEFAULT_OUTPUT_LEN];
    compute(
        Algorithm::Argon2id,
        Version::V0x13,
        params,
        password,
        &salt,
        &mut output,
    )?;
    let output = Output::new(&output).map_err(|error| HashError::Hash(error.to_string()))?;
    Ok(format!(
        "${}$v=19$m={},t={},p={}${}${}",
        Algorithm::Argon2id.ident(),
        params.m_cost(),
        params.t_cost(),
        params.p_cost(),
        salt_text.as_str(),
        output
    ))
}

/// The parameters `stored` was made with; `None` when it is not an Argon2id
/// PHC string (another algorithm, or unreadable).
pub(super) fn argon2id_params(stored: &str) -> Option<Params> {
    let parsed = PasswordHash::new(stored).ok()?;
    if parsed.algorithm != Algorithm::Argon2id.ident() {
        return None;
    }
    Params::try_from(&parsed).ok()
}

/// A stored PHC string, parsed once per login for all its candidates.
pub(super) struct StoredHash {
    algorithm: Algorithm,
    version: Version,
    params: Params,
    salt: Vec<u8>,
    expected: Output,
}

impl StoredHash {
    pub(super) fn parse(phc: &str) -> Result<Self, HashError> {
        let invalid = |what: &str| HashError::Hash(format!("stored hash: {what}"));
        let parsed = PasswordHash::new(phc).map_err(|_| invalid("not a PHC string"))?;
        let algorithm = Algorithm::try_from(parsed.algorithm).map_err(|_| invalid("algorithm"))?;
        let version = parsed
            .version
            .map_or(Ok(Version::V0x13), Version::try_from)
            .map_err(|_| invalid("version"))?;
        let params = Params::try_from(&parsed).map_err(|_| invalid("parameters"))?;
        let mut salt = [0u8; 64];
        let salt = parsed
            .salt
            .ok_or_else(|| invalid("no salt"))?
            .decode_b64(&mut salt)
            .map_err(|_| invalid("salt"))?
            .to_vec();
        let expected = parsed.hash.ok_or_else(|| invalid("no hash"))?;
        Ok(Self {
            algorithm,
            version,
            params,
            salt,
            expected,
        })
    }

    pub(super) fn matches(&self, candidate: &Password) -> Result<bool, HashError> {
        let mut output = vec![0u8; self.expected.len()];
        compute(
            self.algorithm,
            self.version,
            &self.params,
            candidate,
            &self.salt,
            &mut output,
        )?;
        let output = Output::new(&output).map_err(|error| HashError::Hash(error.to_string()))?;
        // `Output`'s equality is constant-time.
        Ok(output == self.expected)
    }
}

#[cfg(test)]
mod tests {
    use argon2::Argon2;

    use super::*;
    use crate::hashing::tests::cheap;

    #[tokio::test]
    async fn our_phc_strings_and_the_argon2_crates_verify_each_other() {
        use argon2::{PasswordHasher, PasswordVerifier};
        let hasher = cheap();
        let password = Password::new("it's my kettle now");

        let ours = hasher.hash(password.clone()).await.unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default()
            .verify_password(password.expose().as_bytes(), &parsed)
            .is_ok());

        let salt = SaltString::encode_b64(b"sixteen byte slt").unwrap();
        let theirs = Argon2::default()
            .hash_password(password.expose().as_bytes(), &salt)
            .unwrap()
            .to_string();
        let candidates = vec![Password::new("wrong"), password];
        assert_eq!(
            hasher.verify_first(Some(theirs), candidates).await.unwrap(),
            Some(1)
        );
    }

    #[tokio::test]
    async fn hashes_are_argon2id_phc_strings_with_their_parameters() {
        let hash = cheap()
            .hash(Password::new("correct horse battery"))
            .await
            .unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{hash}");
    }
}
