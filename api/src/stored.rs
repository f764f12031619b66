//! Enumerations stored as text codes, declared one way for every domain.
//!
//! `stored_enum!` writes the enum with its stored code per variant and:
//! - `ALL`, every variant in declaration order;
//! - `as_str`, the stored code;
//! - `parse`, for a value read back from the database: an unknown code is
//!   a data bug, logged and reported as `INTERNAL` (never a silent default);
//! - `from_code`, for a code that came from outside (a token's scopes, say):
//!   `None` when unknown, for the caller to refuse;
//! - `join` and `parse_set`, for a set of values stored in one column as
//!   comma-separated codes (sorted, no repeats);
//! - serde using the stored codes, and, with `as "Name"`, a GraphQL enum of
//!   that name.
//!
//! ```ignore
//! stored_enum! {
//!     /// Where a device's pushes go.
//!     Platform as "PushPlatform" { Fcm = "fcm", Apns = "apns", Web = "web" }
//! }
//! ```

#[macro_export]
macro_rules! stored_enum {
    ($(#[$meta:meta])* $name:ident as $gql:literal { $($(#[$vmeta:meta])* $variant:ident = $stored:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, async_graphql::Enum, serde::Serialize, serde::Deserialize)]
        #[graphql(name = $gql)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $stored)] $variant),+
        }
        $crate::stored_enum!(@impl $name { $($variant = $stored),+ });
    };
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $stored:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $stored)] $variant),+
        }
        $crate::stored_enum!(@impl $name { $($variant = $stored),+ });
    };
    (@impl $name:ident { $($variant:ident = $stored:literal),+ }) => {
        impl $name {
            pub const ALL: [$name; <[&str]>::len(&[$($stored),+])] = [$($name::$variant),+];

            /// The code stored for this value.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $stored),+
                }
            }

            /// A code that came from outside; `None` when unknown.
            pub fn from_code(code: &str) -> Option<Self> {
                Self::ALL.into_iter().find(|v| v.as_str() == code)
            }

            /// A stored code; an unknown one is a data bug (`INTERNAL`).
            pub fn parse(stored: &str) -> $crate::error::AppResult<Self> {
                Self::from_code(stored).ok_or_else(|| {
                    $crate::error::AppError::internal(anyhow::anyhow!(
                        "unknown {} {stored:?} in the database",
                        stringify!($name)
                    ))
                })
            }
        }

        impl $name {
            /// A set of values as one stored column: their codes in
            /// declaration order, each once, comma-separated.
            pub fn join(set: &[Self]) -> String {
                Self::ALL
                    .into_iter()
                    .filter(|v| set.contains(v))
                    .map(Self::as_str)
                    .collect::<Vec<_>>()
                    .join(",")
            }

            /// A stored set ([`Self::join`]); an unknown code is `INTERNAL`.
            pub fn parse_set(stored: &str) -> $crate::error::AppResult<Vec<Self>> {
                stored
                    .split(',')
                    .filter(|code| !code.is_empty())
                    .map(Self::parse)
                    .collect()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use crate::error::AppError;

    crate::stored_enum! {
        /// A test enum.
        Colour { Red = "red", Dark = "dark_blue" }
    }

    #[test]
    fn codes_round_trip_and_unknown_ones_are_errors() {
        for colour in Colour::ALL {
            assert_eq!(Colour::parse(colour.as_str()).unwrap(), colour);
        }
        assert_eq!(Colour::ALL.len(), 2);
        assert_eq!(Colour::Dark.to_string(), "dark_blue");
        assert_eq!(Colour::from_code("green"), None);
        assert!(matches!(Colour::parse("green"), Err(AppError::Internal(_))));
        assert_eq!(
            serde_json::to_string(&Colour::Dark).unwrap(),
            "\"dark_blue\""
        );
    }

    #[test]
    fn sets_are_stored_in_order_once_and_read_back() {
        let stored = Colour::join(&[Colour::Dark, Colour::Red, Colour::Dark]);
        assert_eq!(stored, "red,dark_blue");
        assert_eq!(
            Colour::parse_set(&stored).unwrap(),
            vec![Colour::Red, Colour::Dark]
        );
        assert_eq!(Colour::parse_set("").unwrap(), vec![]);
        assert!(Colour::parse_set("red,green").is_err());
    }
}
