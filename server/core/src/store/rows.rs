//! Column types a row struct cannot take straight from the `Any` driver
//! (see the list at the top of `store/mod.rs`). Each is read as the column
//! really is and turned into the domain type by the derive:
//!
//! ```text
//! #[derive(sqlx::FromRow)]
//! struct Row {
//!     #[sqlx(try_from = "Count")]
//!     attempts: u32,
//!     #[sqlx(try_from = "Flag")]
//!     must_change_password: bool,
//! }
//! ```

use crate::rules::RegistrationNumber;
use sqlx::any::{Any, AnyTypeInfo, AnyTypeInfoKind, AnyValueRef};
use sqlx::error::BoxDynError;
use sqlx::{Decode, Type, ValueRef};

/// A flag stored as INTEGER 0/1, or any integer expression (`COUNT(…)`):
/// zero is false, anything else true. A real BOOLEAN (what PostgreSQL
/// answers for `EXISTS (…)` or a comparison) is read as it is, so the same
/// expression serves both databases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flag(pub bool);

impl From<Flag> for bool {
    fn from(flag: Flag) -> Self {
        flag.0
    }
}

impl Type<Any> for Flag {
    fn type_info() -> AnyTypeInfo {
        <i64 as Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        ty.kind().is_integer() || ty.kind() == AnyTypeInfoKind::Bool
    }
}

impl<'r> Decode<'r, Any> for Flag {
    fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
        if value.type_info().kind() == AnyTypeInfoKind::Bool {
            return Ok(Flag(<bool as Decode<Any>>::decode(value)?));
        }
        Ok(Flag(<i64 as Decode<Any>>::decode(value)? != 0))
    }
}

/// A count stored as INTEGER (SQLite) or BIGINT (PostgreSQL), for a `u32`
/// field: the `Any` driver has no unsigned types. A count too large for
/// `u32` reads as `u32::MAX`; a negative one is refused as corrupt (nothing
/// writes one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Count(pub u32);

impl From<Count> for u32 {
    fn from(count: Count) -> Self {
        count.0
    }
}

impl Type<Any> for Count {
    fn type_info() -> AnyTypeInfo {
        <i64 as Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        <i64 as Type<Any>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Any> for Count {
    fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
        let stored = <i64 as Decode<Any>>::decode(value)?;
        if stored < 0 {
            return Err(format!("a count cannot be negative: {stored}").into());
        }
        Ok(Count(u32::try_from(stored).unwrap_or(u32::MAX)))
    }
}

/// A list stored as TEXT, one item per line (how access requests keep
/// their earlier emails and numbers), for a `Vec<String>` field. Blank
/// lines are not items.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lines(pub Vec<String>);

impl Lines {
    /// The stored form of `items`.
    pub fn join<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
        items.into_iter().collect::<Vec<_>>().join("\n")
    }
}

impl From<Lines> for Vec<String> {
    fn from(lines: Lines) -> Self {
        lines.0
    }
}

/// A request's registration numbers, each line read back whatever the
/// rules were when it was stored (never refused: see
/// [`RegistrationNumber::from_stored_line`]).
impl From<Lines> for Vec<RegistrationNumber> {
    fn from(lines: Lines) -> Self {
        lines
            .0
            .iter()
            .map(|line| RegistrationNumber::from_stored_line(line))
            .collect()
    }
}

impl Type<Any> for Lines {
    fn type_info() -> AnyTypeInfo {
        <String as Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        <String as Type<Any>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Any> for Lines {
    fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
        let stored = <String as Decode<Any>>::decode(value)?;
        Ok(Lines(
            stored
                .lines()
                .filter(|line| !line.is_empty())
                .map(str::to_owned)
                .collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::{AnyConnection, Connection};

    #[derive(sqlx::FromRow)]
    struct Decoded {
        #[sqlx(try_from = "Flag")]
        zero: bool,
        #[sqlx(try_from = "Flag")]
        one: bool,
        #[sqlx(try_from = "Flag")]
        counted: bool,
        #[sqlx(try_from = "Flag")]
        compared: bool,
        #[sqlx(try_from = "Count")]
        small: u32,
        #[sqlx(try_from = "Count")]
        huge: u32,
    }

    /// SQLite always; PostgreSQL too when the integration tests' server is
    /// given (`THRESHOLD_TEST_POSTGRES`): only literals are selected.
    async fn connections() -> Vec<AnyConnection> {
        sqlx::any::install_default_drivers();
        let mut urls = vec!["sqlite::memory:".to_owned()];
        if let Some(url) = std::env::var("THRESHOLD_TEST_POSTGRES")
            .ok()
            .filter(|url| !url.is_empty())
        {
            urls.push(url);
        }
        let mut connections = Vec::new();
        for url in urls {
            connections.push(
                AnyConnection::connect(&url)
                    .await
                    .unwrap_or_else(|error| panic!("{url}: {error}")),
            );
        }
        connections
    }

    #[tokio::test]
    async fn flags_and_counts_decode_on_each_backend() {
        for mut connection in connections().await {
            let row: Decoded = sqlx::query_as(
                "SELECT 0 AS zero, 1 AS one, (SELECT COUNT(*) FROM (SELECT 1 UNION ALL SELECT 2) AS t) AS counted,
                        (2 > 1) AS compared, 7 AS small, 5000000000 AS huge",
            )
            .fetch_one(&mut connection)
            .await
            .unwrap();
            assert!(!row.zero);
            assert!(row.one && row.counted && row.compared);
            assert_eq!(row.small, 7);
            assert_eq!(row.huge, u32::MAX);
        }
    }

    #[tokio::test]
    async fn a_negative_count_is_refused() {
        for mut connection in connections().await {
            let error = sqlx::query_as::<_, (Count,)>("SELECT -1 AS n")
                .fetch_one(&mut connection)
                .await
                .unwrap_err();
            assert!(matches!(error, sqlx::Error::ColumnDecode { .. }), "{error}");
        }
    }

    #[tokio::test]
    async fn lines_come_back_as_they_were_joined_without_blanks() {
        let stored = Lines::join(["ada@example.org", "", "ada.o@example.net"]);
        for mut connection in connections().await {
            let (lines,): (Lines,) = sqlx::query_as("SELECT $1 AS lines")
                .bind(&stored)
                .fetch_one(&mut connection)
                .await
                .unwrap();
            assert_eq!(
                Vec::<String>::from(lines),
                ["ada@example.org", "ada.o@example.net"]
            );
        }
    }
}
