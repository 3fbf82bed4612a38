//! The breached-password list a new password must not be on, and an old
//! one is checked against after each successful login (SPEC.md §3).
//!
//! The shipped list (`server/core/data/breached-passwords.bin`, sources and
//! licences in `breached-passwords.NOTICE` beside it) holds every password
//! of 12 or more characters from the RockYou breach, plus those of the
//! 30,000 most common passwords that Threshold refused before: about 1.5
//! million entries. Shipping them as text would take 23 MB and republish
//! them in clear; a sorted hash table takes 4.7 MB and can only answer "is
//! this one on it?".
//!
//! # Format
//!
//! Each entry is a 40-bit fingerprint: the first five bytes of the SHA-256
//! of the password's comparison key ([`comparison_key`]: the normalised
//! password with letter case folded, so `PASSWORD` matches `password`). The
//! fingerprints are sorted and split into 65,536 buckets by their first 16
//! bits; a bucket stores only the remaining 24 bits of each of its
//! fingerprints (three bytes), and a table of 65,537 offsets says where each
//! bucket starts:
//!
//! ```text
//! "THRBRCH1"              8 bytes, the format
//! count                   u32, little-endian
//! offsets[65,537]         u32 each, little-endian; bucket b is
//!                         entries[offsets[b]..offsets[b + 1]]
//! entries[count]          3 bytes each, big-endian, sorted within a bucket
//! ```
//!
//! Looking a password up is one SHA-256, one offset pair and a binary search
//! among about 24 entries. Two different passwords share a fingerprint with
//! probability 2^-40, so a password that is not on the list is taken for
//! one that is with probability count / 2^40 (1.4 in a million for the
//! shipped list): such a person is asked to choose another password they
//! had no need to change. A password that is on the list is always found.

use std::fmt;

use sha2::{Digest, Sha256};

use super::password::Password;
use super::text::fold_key;

/// Only passwords at least this long are worth listing: no new password is
/// shorter than [`super::MIN_PASSWORD_CHARS`], and none ever set in
/// Threshold was shorter than 12.
pub const MIN_LISTED_CHARS: usize = 12;

const MAGIC: &[u8; 8] = b"THRBRCH1";
const BUCKETS: usize = 1 << 16;
const HEADER: usize = MAGIC.len() + 4 + (BUCKETS + 1) * 4;
const ENTRY: usize = 3;

/// The shipped list, as built by `examples/build_breached_list.rs`.
const SHIPPED: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/data/breached-passwords.bin"
));

/// A set of breached passwords, held as fingerprints (see the module
/// documentation). Borrowed from the binary for the shipped list.
#[derive(Clone)]
pub struct BreachedPasswords {
    bytes: std::borrow::Cow<'static, [u8]>,
}

/// Why a list's bytes are not a list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BreachedListError {
    #[error("not a breached-password list (wrong header)")]
    Header,
    #[error("the list's offsets are out of order or do not match its size")]
    Offsets,
}

impl BreachedPasswords {
    /// The list shipped with the server, checked on first use.
    ///
    /// # Panics
    ///
    /// If the shipped file is damaged: a build that embeds a broken list
    /// must not start (the tests check it).
    pub fn shipped() -> &'static BreachedPasswords {
        static LIST: std::sync::OnceLock<BreachedPasswords> = std::sync::OnceLock::new();
        LIST.get_or_init(|| {
            BreachedPasswords::from_bytes(std::borrow::Cow::Borrowed(SHIPPED))
                .unwrap_or_else(|error| panic!("the shipped breached-password list: {error}"))
        })
    }

    /// An empty list, for tests of everything else.
    pub fn empty() -> BreachedPasswords {
        BreachedPasswords::build(std::iter::empty::<&Password>())
    }

    /// A list of exactly `passwords` (any length), for tests and for the
    /// tool that builds the shipped file.
    pub fn build<'a>(passwords: impl IntoIterator<Item = &'a Password>) -> BreachedPasswords {
        let mut fingerprints: Vec<u64> = passwords.into_iter().map(fingerprint).collect();
        fingerprints.sort_unstable();
        fingerprints.dedup();
        let mut bytes = Vec::with_capacity(HEADER + fingerprints.len() * ENTRY);
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&count_u32(fingerprints.len()).to_le_bytes());
        let mut next = 0;
        for bucket in 0..=BUCKETS {
            while next < fingerprints.len() && bucket_of(fingerprints[next]) < bucket {
                next += 1;
            }
            bytes.extend_from_slice(&count_u32(next).to_le_bytes());
        }
        for fingerprint in &fingerprints {
            bytes.extend_from_slice(&suffix_of(*fingerprint).to_be_bytes()[1..]);
        }
        BreachedPasswords {
            bytes: std::borrow::Cow::Owned(bytes),
        }
    }

    /// Reads a list written by [`BreachedPasswords::build`], checking its
    /// structure so that a lookup can never index out of bounds.
    pub fn from_bytes(
        bytes: std::borrow::Cow<'static, [u8]>,
    ) -> Result<BreachedPasswords, BreachedListError> {
        if bytes.len() < HEADER || &bytes[..MAGIC.len()] != MAGIC {
            return Err(BreachedListError::Header);
        }
        let list = BreachedPasswords { bytes };
        let count = list.len();
        let offsets_ok = (0..BUCKETS).all(|b| list.offset(b) <= list.offset(b + 1))
            && list.offset(0) == 0
            && list.offset(BUCKETS) == count
            && list.bytes.len() == HEADER + count * ENTRY;
        if !offsets_ok {
            return Err(BreachedListError::Offsets);
        }
        Ok(list)
    }

    /// The bytes to write to a file.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn contains(&self, password: &Password) -> bool {
        let fingerprint = fingerprint(password);
        let bucket = bucket_of(fingerprint);
        let wanted = suffix_of(fingerprint);
        let entry = |i: usize| {
            let at = HEADER + i * ENTRY;
            u32::from_be_bytes([0, self.bytes[at], self.bytes[at + 1], self.bytes[at + 2]])
        };
        // The bucket's entries are sorted: a binary search over them.
        let (mut low, mut high) = (self.offset(bucket), self.offset(bucket + 1));
        while low < high {
            let middle = low + (high - low) / 2;
            match entry(middle).cmp(&wanted) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return true,
            }
        }
        false
    }

    /// How many different fingerprints the list holds.
    pub fn len(&self) -> usize {
        self.read_u32(MAGIC.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The chance that a password not on the list is taken for one that is.
    pub fn false_positive_rate(&self) -> f64 {
        self.len() as f64 / 2f64.powi(40)
    }

    fn offset(&self, bucket: usize) -> usize {
        self.read_u32(MAGIC.len() + 4 + bucket * 4)
    }

    fn read_u32(&self, at: usize) -> usize {
        let word = [
            self.bytes[at],
            self.bytes[at + 1],
            self.bytes[at + 2],
            self.bytes[at + 3],
        ];
        u32::from_le_bytes(word) as usize
    }
}

/// Shows the size, not a million fingerprints.
impl fmt::Debug for BreachedPasswords {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BreachedPasswords")
            .field("len", &self.len())
            .finish()
    }
}

/// What a password is compared by: the normalised secret with letter case
/// folded (attackers try every capitalisation of a listed password).
pub fn comparison_key(password: &Password) -> String {
    fold_key(password.expose())
}

fn fingerprint(password: &Password) -> u64 {
    let digest = Sha256::digest(comparison_key(password).as_bytes());
    digest[..5]
        .iter()
        .fold(0u64, |acc, byte| (acc << 8) | u64::from(*byte))
}

fn bucket_of(fingerprint: u64) -> usize {
    (fingerprint >> 24) as usize
}

fn suffix_of(fingerprint: u64) -> u32 {
    (fingerprint & 0xFF_FFFF) as u32
}

fn count_u32(n: usize) -> u32 {
    u32::try_from(n).expect("a breached-password list holds fewer than 2^32 entries")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(passwords: &[&str]) -> BreachedPasswords {
        let passwords: Vec<Password> = passwords.iter().map(|p| Password::new(p)).collect();
        BreachedPasswords::build(&passwords)
    }

    #[test]
    fn contains_what_was_listed_in_any_letter_case_and_nothing_else() {
        let list = list(&["correcthorsebattery", "Don't Panic Now"]);
        assert_eq!(list.len(), 2);
        assert!(list.contains(&Password::new("correcthorsebattery")));
        assert!(list.contains(&Password::new("CorrectHorseBattery")));
        assert!(list.contains(&Password::new("don\u{2019}t panic now")));
        assert!(!list.contains(&Password::new("correcthorsebatter")));
        assert!(!list.contains(&Password::new("correcthorsebattery ")));
    }

    #[test]
    fn case_variants_are_one_entry() {
        assert_eq!(list(&["abcdefghijkl", "ABCDEFGHIJKL"]).len(), 1);
    }

    #[test]
    fn an_empty_list_contains_nothing() {
        let empty = BreachedPasswords::empty();
        assert!(empty.is_empty());
        assert!(!empty.contains(&Password::new("")));
        assert!(!empty.contains(&Password::new("password1234")));
    }

    #[test]
    fn a_built_list_reads_back_from_its_bytes() {
        let built = list(&["one breached password", "another one here"]);
        let read = BreachedPasswords::from_bytes(built.as_bytes().to_vec().into()).unwrap();
        assert!(read.contains(&Password::new("Another One Here")));
        assert_eq!(read.len(), 2);
    }

    #[test]
    fn damaged_bytes_are_refused_not_trusted() {
        let built = list(&["one breached password"]);
        let mut bytes = built.as_bytes().to_vec();
        assert_eq!(
            BreachedPasswords::from_bytes(bytes[..HEADER - 1].to_vec().into()).unwrap_err(),
            BreachedListError::Header
        );
        bytes.push(0);
        assert_eq!(
            BreachedPasswords::from_bytes(bytes.clone().into()).unwrap_err(),
            BreachedListError::Offsets
        );
        bytes[0] = b'X';
        assert_eq!(
            BreachedPasswords::from_bytes(bytes.into()).unwrap_err(),
            BreachedListError::Header
        );
    }

    #[test]
    fn many_entries_are_all_found_across_buckets() {
        let passwords: Vec<Password> = (0..20_000)
            .map(|i| Password::new(&format!("listed password {i}")))
            .collect();
        let list = BreachedPasswords::build(&passwords);
        assert_eq!(list.len(), 20_000);
        assert!(passwords.iter().all(|p| list.contains(p)));
        let strangers = (0..20_000)
            .filter(|i| list.contains(&Password::new(&format!("unlisted password {i}"))))
            .count();
        assert_eq!(strangers, 0);
    }

    #[test]
    fn the_shipped_list_holds_at_least_100000_entries_and_the_weak_long_passwords() {
        let shipped = BreachedPasswords::shipped();
        assert!(shipped.len() >= 100_000, "{}", shipped.len());
        assert!(shipped.false_positive_rate() < 1e-5);
        for breached in [
            "password123456",
            "PASSWORD123456",
            "passwordpassword",
            "iloveyouiloveyou",
            "123456789012",
            // From the common-password list Threshold used before.
            "polniypizdec0211",
        ] {
            assert!(shipped.contains(&Password::new(breached)), "{breached}");
        }
        assert!(!shipped.contains(&Password::new("maple cobalt drift")));
    }
}
