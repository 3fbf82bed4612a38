//! A software passkey authenticator: what a phone or laptop does in a
//! WebAuthn ceremony, in a few dozen lines, so the server's checks can be
//! tested against answers it did not make itself (a replay, a signature
//! counter that went backwards, another account's passkey).
//!
//! It makes P-256 (ES256) credentials with "none" attestation, always with
//! user presence and verification, and writes the CBOR by hand: the few
//! structures it needs are fixed.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use openssl::{
    bn::BigNumContext,
    ec::{EcGroup, EcKey},
    ecdsa::EcdsaSig,
    nid::Nid,
    pkey::Private,
};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Where the test server's site is: `Services`' default `site_url` is
/// http://127.0.0.1:3000, which passkeys know as localhost.
pub const ORIGIN: &str = "http://localhost:3000";
const RP_ID: &str = "localhost";

const USER_PRESENT: u8 = 0x01;
const USER_VERIFIED: u8 = 0x04;
const ATTESTED_DATA: u8 = 0x40;

pub struct SoftPasskey {
    key: EcKey<Private>,
    pub credential_id: Vec<u8>,
    pub user_handle: Vec<u8>,
    /// The signature counter the next assertion reports.
    pub counter: u32,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(text).expect("base64url")
}

fn options(json: &str) -> Value {
    serde_json::from_str::<Value>(json).expect("options JSON")["publicKey"].clone()
}

/// A CBOR head: major type and length (or value).
fn head(major: u8, length: usize) -> Vec<u8> {
    let major = major << 5;
    match length {
        0..=23 => vec![major | length as u8],
        24..=255 => vec![major | 24, length as u8],
        _ => {
            let length = u16::try_from(length).expect("short");
            let mut out = vec![major | 25];
            out.extend_from_slice(&length.to_be_bytes());
            out
        }
    }
}

fn cbor_text(text: &str) -> Vec<u8> {
    let mut out = head(3, text.len());
    out.extend_from_slice(text.as_bytes());
    out
}

fn cbor_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut out = head(2, bytes.len());
    out.extend_from_slice(bytes);
    out
}

fn client_data(kind: &str, challenge: &str, origin: &str) -> Vec<u8> {
    json!({ "type": kind, "challenge": challenge, "origin": origin, "crossOrigin": false })
        .to_string()
        .into_bytes()
}

impl SoftPasskey {
    /// Answers a registration's options (the server's JSON) with a new
    /// credential; returns it and the answer's JSON, as a browser's
    /// `toJSON()` gives it.
    pub fn register(options_json: &str) -> (Self, String) {
        let options = options(options_json);
        assert_eq!(options["rp"]["id"], RP_ID, "relying party");
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
        let key = EcKey::generate(&group).unwrap();
        let mut credential_id = vec![0u8; 32];
        openssl::rand::rand_bytes(&mut credential_id).unwrap();
        let passkey = Self {
            key,
            credential_id,
            user_handle: unb64(options["user"]["id"].as_str().expect("user id")),
            counter: 1,
        };
        let answer = passkey.attest(options["challenge"].as_str().expect("challenge"));
        (passkey, answer)
    }

    fn cose_key(&self) -> Vec<u8> {
        let group = self.key.group();
        let mut context = BigNumContext::new().unwrap();
        let (mut x, mut y) = (
            openssl::bn::BigNum::new().unwrap(),
            openssl::bn::BigNum::new().unwrap(),
        );
        self.key
            .public_key()
            .affine_coordinates(group, &mut x, &mut y, &mut context)
            .unwrap();
        let (x, y) = (x.to_vec_padded(32).unwrap(), y.to_vec_padded(32).unwrap());
        // {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}
        let mut out = vec![0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21];
        out.extend(cbor_bytes(&x));
        out.push(0x22);
        out.extend(cbor_bytes(&y));
        out
    }

    fn authenticator_data(&self, flags: u8, attested: bool) -> Vec<u8> {
        let mut data = Sha256::digest(RP_ID.as_bytes()).to_vec();
        data.push(flags);
        data.extend_from_slice(&self.counter.to_be_bytes());
        if attested {
            data.extend_from_slice(&[0u8; 16]); // AAGUID: none given
            data.extend_from_slice(&(self.credential_id.len() as u16).to_be_bytes());
            data.extend_from_slice(&self.credential_id);
            data.extend(self.cose_key());
        }
        data
    }

    /// Answers another registration's options with this credential (its
    /// id as it is now).
    pub fn attest_again(&self, options_json: &str) -> String {
        self.attest(
            options(options_json)["challenge"]
                .as_str()
                .expect("challenge"),
        )
    }

    fn attest(&self, challenge: &str) -> String {
        let auth_data = self.authenticator_data(USER_PRESENT | USER_VERIFIED | ATTESTED_DATA, true);
        let mut attestation = vec![0xa3];
        attestation.extend(cbor_text("fmt"));
        attestation.extend(cbor_text("none"));
        attestation.extend(cbor_text("attStmt"));
        attestation.push(0xa0);
        attestation.extend(cbor_text("authData"));
        attestation.extend(cbor_bytes(&auth_data));
        json!({
            "id": b64(&self.credential_id),
            "rawId": b64(&self.credential_id),
            "type": "public-key",
            "response": {
                "attestationObject": b64(&attestation),
                "clientDataJSON": b64(&client_data("webauthn.create", challenge, ORIGIN)),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
        })
        .to_string()
    }

    /// Answers a login's options with a signed assertion from `origin`,
    /// naming `user_handle` as the account; the counter goes up first.
    pub fn assert_as(&mut self, options_json: &str, origin: &str, user_handle: &[u8]) -> String {
        let options = options(options_json);
        let challenge = options["challenge"].as_str().expect("challenge");
        self.counter += 1;
        let auth_data = self.authenticator_data(USER_PRESENT | USER_VERIFIED, false);
        let client_data = client_data("webauthn.get", challenge, origin);
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&Sha256::digest(&client_data));
        let digest = Sha256::digest(&signed);
        let signature = EcdsaSig::sign(&digest, &self.key)
            .unwrap()
            .to_der()
            .unwrap();
        json!({
            "id": b64(&self.credential_id),
            "rawId": b64(&self.credential_id),
            "type": "public-key",
            "response": {
                "authenticatorData": b64(&auth_data),
                "clientDataJSON": b64(&client_data),
                "signature": b64(&signature),
                "userHandle": b64(user_handle),
            },
            "clientExtensionResults": {},
        })
        .to_string()
    }

    /// A login answer as the real device gives it.
    pub fn assert(&mut self, options_json: &str) -> String {
        let handle = self.user_handle.clone();
        self.assert_as(options_json, ORIGIN, &handle)
    }
}
