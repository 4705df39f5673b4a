//! Structs read from a query's row by column name, in either database.
//!
//! This stands in for `#[derive($crate::__sqlx::FromRow)]`: sqlx's procedural macros link both
//! database drivers (and bundled SQLite, and TLS) into the compiler a second time, which
//! cost a release build more than any crate of this workspace. A declarative macro does
//! the same for plain named fields.

/// Declares a struct and reads it from a row by column name, each field from the column
/// of the same name.
#[macro_export]
macro_rules! from_row {
    (
        $(#[$meta:meta])*
        $vis:vis struct $Row:ident {
            $( $(#[$field_meta:meta])* $field_vis:vis $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $Row {
            $( $(#[$field_meta])* $field_vis $field: $ty, )*
        }

        impl<'r, R: $crate::__sqlx::Row> $crate::__sqlx::FromRow<'r, R> for $Row
        where
            &'static str: $crate::__sqlx::ColumnIndex<R>,
            $( $ty: $crate::__sqlx::Decode<'r, R::Database> + $crate::__sqlx::Type<R::Database>, )*
        {
            fn from_row(row: &'r R) -> Result<Self, $crate::__sqlx::Error> {
                Ok(Self { $( $field: row.try_get(stringify!($field))?, )* })
            }
        }
    };
}
