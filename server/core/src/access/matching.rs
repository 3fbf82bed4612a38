//! A request as support reads it, and the accounts it may be about: every
//! account holding one of its details (current or earlier email, username,
//! registration number, name), those holding the most details first.

use std::collections::BTreeMap;

use super::{AccessRequestView, SuggestedAccount};
use crate::rules::login_name::login_key;
use crate::rules::text::fold_key;
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
        // Kind apart: an account may hold the number under another kind.
        .map(|registration| registration.number.clone())
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
        HeldDetail::RegistrationNumber(held) => format!("registration number {held}"),
        HeldDetail::Name => "name".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RegistrationNumber;

    #[test]
    fn a_number_is_given_in_its_display_form() {
        let held = RegistrationNumber::parse("GMC", "701 2345").unwrap();
        assert_eq!(
            reason(&HeldDetail::RegistrationNumber(held)),
            "registration number GMC 7012345"
        );
    }
}
