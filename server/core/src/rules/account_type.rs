//! Account types (SPEC.md §1) and who may create each.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountType {
    Practitioner,
    PracticeAdmin,
    Support,
}

impl AccountType {
    pub const ALL: [AccountType; 3] = [
        AccountType::Practitioner,
        AccountType::PracticeAdmin,
        AccountType::Support,
    ];

    /// The stored and wire form: "practitioner", "practice_admin", "support".
    pub fn as_str(self) -> &'static str {
        match self {
            AccountType::Practitioner => "practitioner",
            AccountType::PracticeAdmin => "practice_admin",
            AccountType::Support => "support",
        }
    }

    /// How people read it: "Practitioner", "Practice admin", "Support".
    pub fn label(self) -> &'static str {
        match self {
            AccountType::Practitioner => "Practitioner",
            AccountType::PracticeAdmin => "Practice admin",
            AccountType::Support => "Support",
        }
    }

    /// The inverse of [`AccountType::as_str`]; nothing else is accepted.
    pub fn parse(text: &str) -> Option<AccountType> {
        AccountType::ALL
            .into_iter()
            .find(|account_type| account_type.as_str() == text)
    }

    /// Support staff: their accounts can act on others' and are never
    /// changed from the console. The one test of it.
    pub fn is_support(self) -> bool {
        matches!(self, AccountType::Support)
    }

    /// Whether a person may choose this type on the registration form.
    /// Support users are created only by the server's command line or by
    /// another support user.
    pub fn is_self_registrable(self) -> bool {
        !self.is_support()
    }

    /// Whether registration asks for a practice name.
    pub fn requires_practice_name(self) -> bool {
        matches!(self, AccountType::PracticeAdmin)
    }
}

/// Read from the database's text form.
impl TryFrom<String> for AccountType {
    type Error = UnknownValue;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        AccountType::parse(&text).ok_or(UnknownValue {
            of: "account type",
            value: text,
        })
    }
}

/// A stored value this version does not know (e.g. an account type a
/// newer version wrote).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {of}: {value:?}")]
pub struct UnknownValue {
    pub of: &'static str,
    pub value: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_str_gives_the_stored_names() {
        assert_eq!(AccountType::Practitioner.as_str(), "practitioner");
        assert_eq!(AccountType::PracticeAdmin.as_str(), "practice_admin");
        assert_eq!(AccountType::Support.as_str(), "support");
    }

    #[test]
    fn parse_is_the_inverse_of_as_str() {
        for account_type in AccountType::ALL {
            assert_eq!(
                AccountType::parse(account_type.as_str()),
                Some(account_type)
            );
        }
    }

    #[test]
    fn parse_rejects_anything_else() {
        for text in ["", "Practitioner", "admin", "practice admin", " support"] {
            assert_eq!(AccountType::parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn only_support_cannot_self_register() {
        assert!(AccountType::Practitioner.is_self_registrable());
        assert!(AccountType::PracticeAdmin.is_self_registrable());
        assert!(!AccountType::Support.is_self_registrable());
    }

    #[test]
    fn only_practice_admins_give_a_practice_name() {
        assert!(AccountType::PracticeAdmin.requires_practice_name());
        assert!(!AccountType::Practitioner.requires_practice_name());
        assert!(!AccountType::Support.requires_practice_name());
    }
}
