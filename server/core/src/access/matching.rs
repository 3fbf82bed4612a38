//! A request as support reads it, and the accounts it may be about: every
//! account holding one of its details (current or earlier email, username,
//! registration number, name), those holding the most details first.

use std::collections::BTreeMap;

use super::{AccessRequestView, SuggestedAccount};
use crate::rules::login_name::login_key;
use crate::rules::text::fold_key;
use crate::rules::RegistrationKind;
use crate::store::{HeldDetail, RequestProbe, StoreError};
use crate::Services;

/// The request with its reference, as support quotes it.
pub(super) fn referenced(request: AccessRequestView) -> AccessRequestView {
    AccessRequestView {
        reference: super::reference(request.id),
        ..request
    }
}

/// The accounts holding any of the request's details, most details first
/// (then oldest account first), each with what matched.
pub(super) async fn suggestions(
    services: &Services,
    request: &AccessRequestView,
) -> Result<Vec<SuggestedAccount>, StoreError> {
    let email_keys: Vec<String> = std::iter::once(&request.email)
        .chain(&request.previous_emails)
        .map(|email| login_key(email))
        .collect();
    let username_key = (!request.username.is_empty()).then(|| login_key(&request.username));
    let numbers: Vec<String> = request
        .registration_numbers
        .iter()
        .map(|typed| bare_number(typed).to_owned())
        .collect();
    let first = fold_key(&request.first_name);
    let surname = fold_key(&request.surname);
    let probe = RequestProbe {
        email_keys: &email_keys,
        username_key: username_key.as_deref(),
        numbers: &numbers,
        name: Some((&first, &surname)),
    };
    let mut matched: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for (account_id, detail) in services.store.accounts_holding(&probe).await? {
        let why = reason(&detail);
        let reasons = matched.entry(account_id).or_default();
        if !reasons.contains(&why) {
            reasons.push(why);
        }
    }
    let ids: Vec<i64> = matched.keys().copied().collect();
    let mut suggestions: Vec<SuggestedAccount> = services
        .store
        .account_summaries(&ids)
        .await?
        .into_iter()
        .map(|account| SuggestedAccount {
            matched: matched.remove(&account.account_id).unwrap_or_default(),
            account,
        })
        .collect();
    suggestions.sort_by(|a, b| {
        b.matched
            .len()
            .cmp(&a.matched.len())
            .then(a.account.account_id.cmp(&b.account.account_id))
    });
    Ok(suggestions)
}

/// What support reads as the reason an account was suggested.
fn reason(detail: &HeldDetail) -> String {
    match detail {
        HeldDetail::CurrentEmail(key) => format!("current email {key}"),
        HeldDetail::EarlierEmail(key) => format!("earlier email {key}"),
        HeldDetail::Username(key) => format!("username {key}"),
        HeldDetail::RegistrationNumber(number) => format!("registration number {number}"),
        HeldDetail::Name => "name".to_owned(),
    }
}

/// The number without the kind it may be typed with ("GMC1234567" →
/// "1234567"): accounts store the kind apart. Request numbers are already
/// upper case without spaces.
fn bare_number(typed: &str) -> &str {
    RegistrationKind::ALL
        .iter()
        .find_map(|kind| {
            typed
                .strip_prefix(kind.as_str().to_uppercase().as_str())
                .filter(|rest| !rest.is_empty())
        })
        .unwrap_or(typed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_is_matched_without_the_kind_it_was_typed_with() {
        assert_eq!(bare_number("GMC1234567"), "1234567");
        assert_eq!(bare_number("COLLEGE42"), "42");
        assert_eq!(bare_number("1234567"), "1234567");
        // A kind alone is a number, not an empty one.
        assert_eq!(bare_number("GMC"), "GMC");
    }
}
