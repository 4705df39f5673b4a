//! Each stored row shape, declared once: a table's columns with their Rust types, in the
//! table's order. From a declaration come
//!
//! - the table's [`TableDef`] (names, [`ColumnType`]s and nullability), which a test
//!   holds against the migrated schema;
//! - `insert`: a row of borrowed values (every column but those the database assigns)
//!   and its binds for sqlx's `QueryBuilder`, for any sqlx `Database` (see [`insert`]);
//! - `read`: an owned row of the columns marked `read` or `framed`, read by column name
//!   through sqlx (`FromRow`) and through the rusqlite bulk path (the index of each
//!   column looked up once per statement);
//! - the frame: the columns marked `framed`, handed cell by cell to a [`CellSink`] from a
//!   row read or a row borrowed from SQLite, which the analysis lays out as a DataFrame.
//!
//! A column is one of `auto` (assigned by the database or set by later updates, never
//! bound nor read as part of the row), `later` (not bound when the row is inserted, but
//! read: set by later updates or by its default), `stored` (written, not read back as
//! part of the row), `read` (written and read) or `framed` (written, read, and laid out
//! in frames). Adding a column is its line here, a migration, and the
//! code that fills or uses it.
//!
//! The SQL dialect lives in [`ColumnType::sqlite`] and in the writer's parameter ceiling
//! (`write::MAX_PARAMS`); everything else here is the same for any database sqlx drives.

use sqlx::query_builder::Separated;
use sqlx::{Database, QueryBuilder};

/// How a column's values are stored and laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Text,
    Int,
    Real,
    Bool,
}

impl ColumnType {
    /// The column's declared type in SQLite (booleans are integers there).
    pub fn sqlite(self) -> &'static str {
        match self {
            ColumnType::Text => "TEXT",
            ColumnType::Int | ColumnType::Bool => "INTEGER",
            ColumnType::Real => "REAL",
        }
    }

    /// The column's type in PostgreSQL, as `information_schema.columns` names it: the
    /// types whose binary form [`Cell::from_binary`] reads.
    pub fn postgres(self) -> &'static str {
        match self {
            ColumnType::Text => "text",
            ColumnType::Int => "bigint",
            ColumnType::Real => "double precision",
            ColumnType::Bool => "boolean",
        }
    }
}

/// A field of PostgreSQL's binary COPY format that is not what its column declares.
#[derive(Debug, Clone, thiserror::Error)]
#[error("a {expected} field holds {found}")]
pub struct BinaryError {
    expected: &'static str,
    found: String,
}

impl BinaryError {
    fn new(expected: &'static str, field: Option<&[u8]>) -> Self {
        let found = match field {
            None => "NULL".into(),
            Some(bytes) => format!("{} bytes", bytes.len()),
        };
        Self { expected, found }
    }
}

/// An 8-byte big-endian field (a `bigint` or a `double precision`).
fn eight_bytes(expected: &'static str, field: Option<&[u8]>) -> Result<[u8; 8], BinaryError> {
    field
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| BinaryError::new(expected, field))
}

/// A Rust type read from a field of PostgreSQL's binary COPY format (`None`: NULL).
pub trait BinaryCell: Sized {
    fn from_binary(field: Option<&[u8]>) -> Result<Self, BinaryError>;
}

impl BinaryCell for i64 {
    fn from_binary(field: Option<&[u8]>) -> Result<Self, BinaryError> {
        eight_bytes("bigint", field).map(i64::from_be_bytes)
    }
}

impl BinaryCell for f64 {
    fn from_binary(field: Option<&[u8]>) -> Result<Self, BinaryError> {
        eight_bytes("double precision", field).map(f64::from_be_bytes)
    }
}

impl BinaryCell for bool {
    fn from_binary(field: Option<&[u8]>) -> Result<Self, BinaryError> {
        match field {
            Some([b]) => Ok(*b != 0),
            _ => Err(BinaryError::new("boolean", field)),
        }
    }
}

/// A text field, borrowed from the COPY buffer.
pub(crate) fn text_field(field: Option<&[u8]>) -> Result<&str, BinaryError> {
    field
        .and_then(|b| std::str::from_utf8(b).ok())
        .ok_or_else(|| BinaryError::new("text", field))
}

impl BinaryCell for String {
    fn from_binary(field: Option<&[u8]>) -> Result<Self, BinaryError> {
        text_field(field).map(str::to_string)
    }
}

impl<T: BinaryCell> BinaryCell for Option<T> {
    fn from_binary(field: Option<&[u8]>) -> Result<Self, BinaryError> {
        field.map(|f| T::from_binary(Some(f))).transpose()
    }
}

/// A declared column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColumnType,
    pub nullable: bool,
}

/// A declared table (or view): its name and every column, in the table's order.
#[derive(Debug, Clone, Copy)]
pub struct TableDef {
    pub name: &'static str,
    pub columns: &'static [Column],
}

/// The column `name` of Rust type `T`.
pub const fn column<T: Cell>(name: &'static str) -> Column {
    Column {
        name,
        ty: T::TYPE,
        nullable: T::NULLABLE,
    }
}

/// `$body` with `$T` the Rust type of a column of type `$ty`, nullable or not.
macro_rules! with_cell_type {
    ($ty:expr, $nullable:expr, $T:ident => $body:expr) => {
        match ($ty, $nullable) {
            (ColumnType::Text, false) => {
                type $T = String;
                $body
            }
            (ColumnType::Text, true) => {
                type $T = Option<String>;
                $body
            }
            (ColumnType::Int, false) => {
                type $T = i64;
                $body
            }
            (ColumnType::Int, true) => {
                type $T = Option<i64>;
                $body
            }
            (ColumnType::Real, false) => {
                type $T = f64;
                $body
            }
            (ColumnType::Real, true) => {
                type $T = Option<f64>;
                $body
            }
            (ColumnType::Bool, false) => {
                type $T = bool;
                $body
            }
            (ColumnType::Bool, true) => {
                type $T = Option<bool>;
                $body
            }
        }
    };
}

impl Column {
    /// Hand this column's cell, at `at` in a frame, to `sink` from a field of
    /// PostgreSQL's binary COPY format, read as the column declares it (NULL only where
    /// it is nullable).
    pub(crate) fn visit_binary<S: CellSink + ?Sized>(
        &self,
        at: usize,
        field: Option<&[u8]>,
        sink: &mut S,
    ) -> Result<(), BinaryError> {
        with_cell_type!(self.ty, self.nullable, T => T::visit(T::binary(field)?, at, sink));
        Ok(())
    }

    /// Hand this column's cell, at `at` in a frame, to `sink` from the field at `index`
    /// of a row borrowed from SQLite.
    pub(crate) fn visit_row<S: CellSink + ?Sized>(
        &self,
        at: usize,
        row: &rusqlite::Row<'_>,
        index: usize,
        sink: &mut S,
    ) -> rusqlite::Result<()> {
        with_cell_type!(self.ty, self.nullable, T => T::visit(T::get(row, index)?, at, sink));
        Ok(())
    }
}

/// Receives a frame's cells: `column` is the position in the row's `FRAME` list, and
/// `None` is NULL (only in a nullable column).
pub trait CellSink {
    fn text(&mut self, column: usize, value: Option<&str>);
    fn int(&mut self, column: usize, value: Option<i64>);
    fn real(&mut self, column: usize, value: Option<f64>);
    fn bool(&mut self, column: usize, value: Option<bool>);
}

/// A Rust type a column can have: its [`ColumnType`], whether it holds NULL, the form it
/// is bound and lent in, and how it is read from a rusqlite row.
pub trait Cell: Sized {
    const TYPE: ColumnType;
    const NULLABLE: bool;
    /// The value as bound and as lent (`&str` for text).
    type Ref<'a>: Copy
    where
        Self: 'a;
    fn borrow(&self) -> Self::Ref<'_>;
    /// The cell at `index`, borrowed from SQLite.
    fn get<'r>(row: &'r rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Self::Ref<'r>>;
    /// The cell at `index`, owned.
    fn get_owned(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Self>;
    /// The cell from a field of PostgreSQL's binary COPY format, borrowed from it.
    fn binary<'f>(field: Option<&'f [u8]>) -> Result<Self::Ref<'f>, BinaryError>;
    fn visit<S: CellSink + ?Sized>(value: Self::Ref<'_>, column: usize, sink: &mut S);
}

impl Cell for String {
    const TYPE: ColumnType = ColumnType::Text;
    const NULLABLE: bool = false;
    type Ref<'a> = &'a str;
    fn borrow(&self) -> &str {
        self
    }
    fn get<'r>(row: &'r rusqlite::Row<'_>, index: usize) -> rusqlite::Result<&'r str> {
        Ok(row.get_ref(index)?.as_str()?)
    }
    fn get_owned(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Self> {
        row.get(index)
    }
    fn binary(field: Option<&[u8]>) -> Result<&str, BinaryError> {
        text_field(field)
    }
    fn visit<S: CellSink + ?Sized>(value: &str, column: usize, sink: &mut S) {
        sink.text(column, Some(value));
    }
}

impl Cell for Option<String> {
    const TYPE: ColumnType = ColumnType::Text;
    const NULLABLE: bool = true;
    type Ref<'a> = Option<&'a str>;
    fn borrow(&self) -> Option<&str> {
        self.as_deref()
    }
    fn get<'r>(row: &'r rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Option<&'r str>> {
        Ok(row.get_ref(index)?.as_str_or_null()?)
    }
    fn get_owned(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Self> {
        row.get(index)
    }
    fn binary(field: Option<&[u8]>) -> Result<Option<&str>, BinaryError> {
        field.map(|f| text_field(Some(f))).transpose()
    }
    fn visit<S: CellSink + ?Sized>(value: Option<&str>, column: usize, sink: &mut S) {
        sink.text(column, value);
    }
}

/// `Cell` for a `Copy` type, bound and lent as itself, and for its `Option`.
macro_rules! copy_cell {
    ($t:ty, $ty:ident, $visit:ident) => {
        impl Cell for $t {
            const TYPE: ColumnType = ColumnType::$ty;
            const NULLABLE: bool = false;
            type Ref<'a> = $t;
            fn borrow(&self) -> $t {
                *self
            }
            fn get(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<$t> {
                row.get(index)
            }
            fn get_owned(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Self> {
                row.get(index)
            }
            fn binary(field: Option<&[u8]>) -> Result<$t, BinaryError> {
                <$t as BinaryCell>::from_binary(field)
            }
            fn visit<S: CellSink + ?Sized>(value: $t, column: usize, sink: &mut S) {
                sink.$visit(column, Some(value));
            }
        }

        impl Cell for Option<$t> {
            const TYPE: ColumnType = ColumnType::$ty;
            const NULLABLE: bool = true;
            type Ref<'a> = Option<$t>;
            fn borrow(&self) -> Option<$t> {
                *self
            }
            fn get(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Option<$t>> {
                row.get(index)
            }
            fn get_owned(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Self> {
                row.get(index)
            }
            fn binary(field: Option<&[u8]>) -> Result<Option<$t>, BinaryError> {
                <Option<$t> as BinaryCell>::from_binary(field)
            }
            fn visit<S: CellSink + ?Sized>(value: Option<$t>, column: usize, sink: &mut S) {
                sink.$visit(column, value);
            }
        }
    };
}

copy_cell!(i64, Int, int);
copy_cell!(f64, Real, real);
copy_cell!(bool, Bool, bool);

/// A row read whole from PostgreSQL's binary COPY format: its columns in order.
pub(crate) trait FromBinary: Sized {
    const COLUMNS: &'static [Column];
    fn from_binary(fields: &[Option<&[u8]>]) -> Result<Self, BinaryError>;
}

/// A row of a table's `insert` shape: its table, its columns, and its binds.
pub(crate) trait InsertRow<'q, DB: Database> {
    const TABLE: &'static str;
    /// The columns bound, in bind order.
    const COLUMNS: &'static [&'static str];
    fn push_binds(self, row: Separated<'_, 'q, DB, &'static str>);
}

/// `INSERT INTO <table> (<columns>) VALUES (...), ...` of `rows`, for any database. The
/// caller keeps the row count under its database's parameter ceiling and adds any
/// conflict clause.
pub(crate) fn insert<'q, DB, R>(rows: impl IntoIterator<Item = R>) -> QueryBuilder<'q, DB>
where
    DB: Database,
    DB::Arguments<'q>: Default,
    R: InsertRow<'q, DB>,
{
    let mut qb = QueryBuilder::new("INSERT INTO ");
    qb.push(R::TABLE).push(" (");
    for (i, name) in R::COLUMNS.iter().enumerate() {
        if i > 0 {
            qb.push(", ");
        }
        qb.push(name);
    }
    qb.push(") ");
    qb.push_values(rows, |b, row| row.push_binds(b));
    qb
}

/// The comma-separated column list of `columns`, each prefixed (`"r."`, or `""`).
pub(crate) fn select_list(prefix: &str, columns: &[Column]) -> String {
    let mut list = String::new();
    for (i, c) in columns.iter().enumerate() {
        if i > 0 {
            list.push_str(", ");
        }
        list.push_str(prefix);
        list.push_str(c.name);
    }
    list
}

/// Where each of `columns` is in a prepared statement's result, by name: looked up once
/// per statement, then used for every row.
pub(crate) fn column_indexes(
    statement: &rusqlite::Statement<'_>,
    columns: &[Column],
) -> rusqlite::Result<Vec<usize>> {
    columns
        .iter()
        .map(|c| statement.column_index(c.name))
        .collect()
}

/// Declares a table: see the module's documentation.
macro_rules! table {
    (
        $(#[$doc:meta])*
        $name:literal => $DEF:ident { $($parts:tt)* }
        columns $cols:tt
    ) => {
        $(#[$doc])*
        pub const $DEF: TableDef = table!(@def $name $cols);
        table!(@parts $name $cols $($parts)*);
    };

    (@def $name:literal { $( $(#[$m:meta])* $kind:ident $col:ident : $ty:ty ),* $(,)? }) => {{
        $( table!(@kind $kind); )*
        TableDef { name: $name, columns: &[ $( column::<$ty>(stringify!($col)) ),* ] }
    }};

    // A column's kind, spelled out: any other word would be taken for `stored`.
    (@kind auto) => {};
    (@kind later) => {};
    (@kind stored) => {};
    (@kind read) => {};
    (@kind framed) => {};
    (@kind $other:ident) => {
        compile_error!(concat!(
            "a column is `auto`, `later`, `stored`, `read` or `framed`, not `",
            stringify!($other),
            "`"
        ));
    };

    (@parts $name:literal $cols:tt) => {};
    (@parts $name:literal { $($cols:tt)* } $(#[$doc:meta])* insert $Values:ident; $($rest:tt)*) => {
        table!(@insert [$(#[$doc])* $name $Values] [] $($cols)*);
        table!(@parts $name { $($cols)* } $($rest)*);
    };
    (@parts $name:literal { $($cols:tt)* } $(#[$doc:meta])* read $Row:ident; $($rest:tt)*) => {
        table!(@read [$(#[$doc])* $Row] [] $($cols)*);
        table!(@frame [$Row] [] $($cols)*);
        table!(@parts $name { $($cols)* } $($rest)*);
    };

    // `insert`: every column but `auto` ones.
    (@insert [$(#[$doc:meta])* $name:literal $Values:ident] [$( $(#[$m:meta])* $col:ident : $ty:ty, )*] $(,)?) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub(crate) struct $Values<'a> {
            $( $(#[$m])* pub $col: <$ty as Cell>::Ref<'a>, )*
        }

        impl $Values<'_> {
            /// The columns bound, in bind order.
            pub(crate) const COLUMNS: &'static [&'static str] = &[ $( stringify!($col) ),* ];
        }

        impl<'q, DB: Database> InsertRow<'q, DB> for $Values<'q>
        where
            $( <$ty as Cell>::Ref<'q>: sqlx::Encode<'q, DB> + sqlx::Type<DB>, )*
        {
            const TABLE: &'static str = $name;
            const COLUMNS: &'static [&'static str] = Self::COLUMNS;
            fn push_binds(self, mut row: Separated<'_, 'q, DB, &'static str>) {
                $( row.push_bind(self.$col); )*
            }
        }
    };
    (@insert $head:tt $acc:tt $(#[$m:meta])* auto $col:ident : $ty:ty $(, $($rest:tt)*)?) => {
        table!(@insert $head $acc $($($rest)*)?);
    };
    (@insert $head:tt $acc:tt $(#[$m:meta])* later $col:ident : $ty:ty $(, $($rest:tt)*)?) => {
        table!(@insert $head $acc $($($rest)*)?);
    };
    (@insert $head:tt [$($acc:tt)*] $(#[$m:meta])* $kind:ident $col:ident : $ty:ty $(, $($rest:tt)*)?) => {
        table!(@insert $head [$($acc)* $(#[$m])* $col : $ty,] $($($rest)*)?);
    };

    // `read`: the `read` and `framed` columns.
    (@read [$(#[$doc:meta])* $Row:ident] [$( $(#[$m:meta])* $col:ident : $ty:ty, )*] $(,)?) => {
        crate::from_row! {
            $(#[$doc])*
            #[derive(Debug, Clone)]
            pub struct $Row {
                $( $(#[$m])* pub $col: $ty, )*
            }
        }

        impl $Row {
            /// The columns of this row, in order.
            pub const COLUMNS: &'static [Column] = &[ $( column::<$ty>(stringify!($col)) ),* ];

            /// A row of a statement that selects [`Self::COLUMNS`] (any order, any other
            /// columns beside), `index` from [`column_indexes`].
            #[allow(unused_assignments, dead_code)]
            pub(crate) fn from_rusqlite(
                row: &rusqlite::Row<'_>,
                index: &[usize],
            ) -> rusqlite::Result<Self> {
                let mut at = 0;
                Ok(Self {
                    $( $col: {
                        let cell = <$ty as Cell>::get_owned(row, index[at])?;
                        at += 1;
                        cell
                    }, )*
                })
            }
        }

        impl FromBinary for $Row {
            const COLUMNS: &'static [Column] = $Row::COLUMNS;

            #[allow(unused_assignments)]
            fn from_binary(fields: &[Option<&[u8]>]) -> Result<Self, BinaryError> {
                let mut at = 0;
                Ok(Self {
                    $( $col: {
                        let cell = <$ty as BinaryCell>::from_binary(fields[at])?;
                        at += 1;
                        cell
                    }, )*
                })
            }
        }
    };
    (@read $head:tt [$($acc:tt)*] $(#[$m:meta])* read $col:ident : $ty:ty $(, $($rest:tt)*)?) => {
        table!(@read $head [$($acc)* $(#[$m])* $col : $ty,] $($($rest)*)?);
    };
    (@read $head:tt [$($acc:tt)*] $(#[$m:meta])* later $col:ident : $ty:ty $(, $($rest:tt)*)?) => {
        table!(@read $head [$($acc)* $(#[$m])* $col : $ty,] $($($rest)*)?);
    };
    (@read $head:tt [$($acc:tt)*] $(#[$m:meta])* framed $col:ident : $ty:ty $(, $($rest:tt)*)?) => {
        table!(@read $head [$($acc)* $(#[$m])* $col : $ty,] $($($rest)*)?);
    };
    (@read $head:tt $acc:tt $(#[$m:meta])* $kind:ident $col:ident : $ty:ty $(, $($rest:tt)*)?) => {
        table!(@read $head $acc $($($rest)*)?);
    };

    // The frame: the `framed` columns (none: no frame).
    (@frame [$Row:ident] [] $(,)?) => {};
    (@frame [$Row:ident] [$( $col:ident : $ty:ty, )*] $(,)?) => {
        impl $Row {
            /// The columns laid out in frames, in order.
            pub const FRAME: &'static [Column] = &[ $( column::<$ty>(stringify!($col)) ),* ];

            /// Hand this row's [`Self::FRAME`] cells to `sink`.
            #[allow(unused_assignments)]
            pub fn visit_frame<S: CellSink + ?Sized>(&self, sink: &mut S) {
                let mut at = 0;
                $(
                    <$ty as Cell>::visit(Cell::borrow(&self.$col), at, sink);
                    at += 1;
                )*
            }
        }
    };
    (@frame $head:tt [$($acc:tt)*] $(#[$m:meta])* framed $col:ident : $ty:ty $(, $($rest:tt)*)?) => {
        table!(@frame $head [$($acc)* $col : $ty,] $($($rest)*)?);
    };
    (@frame $head:tt $acc:tt $(#[$m:meta])* $kind:ident $col:ident : $ty:ty $(, $($rest:tt)*)?) => {
        table!(@frame $head $acc $($($rest)*)?);
    };
}

table! {
    /// One run: the suite it ran, how it stands, who holds it (see `lease`), and for a
    /// run split across processes, its shard count and shared budget (see `shards`).
    "runs" => RUNS {
        /// A run as it starts.
        insert RunValues;
        /// A run as commands list and show it.
        #[derive(serde::Serialize)]
        read RunRow;
    }
    columns {
        read id: String,
        read suite: String,
        /// The suite file, absolute.
        read suite_path: String,
        read started_at: i64,
        later finished_at: Option<i64>,
        read status: String,
        /// The suite as parsed, as JSON (runs before `suite_toml` are re-read from it).
        stored config_json: String,
        read config_hash: String,
        read git_rev: Option<String>,
        read simulated: bool,
        auto note: Option<String>,
        auto lease_owner: Option<String>,
        auto lease_expires_at: Option<i64>,
        auto status_reason: Option<String>,
        auto sessions: i64,
        auto shards: Option<i64>,
        auto budget_usd: Option<f64>,
        auto budget_drawn: f64,
        /// The suite file's text, and the schema version it was written for.
        stored suite_toml: Option<String>,
        stored suite_schema: Option<i64>,
        /// What made the run: `suite` (`routeval run`) or `graded` (`routeval grade
        /// --db`); set after the row is inserted (see `Store::create_run_of_kind`).
        later kind: String,
    }
}

table! {
    /// A route or chain of a run.
    "targets" => TARGETS {
        /// A target as recorded.
        insert TargetValues;
        #[derive(serde::Serialize)]
        read TargetRow;
    }
    columns {
        stored run_id: String,
        read name: String,
        /// `route` or `chain`.
        read kind: String,
        read spec_json: String,
        stored spec_hash: String,
    }
}

table! {
    /// A dataset of a run.
    "datasets" => DATASETS {
        /// A dataset as recorded.
        insert DatasetValues;
        #[derive(serde::Serialize)]
        read DatasetRow;
    }
    columns {
        stored run_id: String,
        read name: String,
        read task: String,
        read privacy: String,
        stored scorer_path: String,
        read min_acceptance: f64,
        read case_count: i64,
        /// The target the others are compared with, case by case.
        read baseline: Option<String>,
    }
}

table! {
    /// A case of a run's dataset: its hash, tags, expected answer and input text.
    "cases" => CASES {
        /// A case as recorded.
        insert CaseValues;
    }
    columns {
        stored run_id: String,
        stored dataset: String,
        stored case_id: String,
        stored content_hash: String,
        stored tags_json: String,
        stored expected_json: Option<String>,
        stored input: Option<String>,
    }
}

table! {
    /// A (dataset, target) pair a run did not send, or sent only because it was forced.
    "exclusions" => EXCLUSIONS {
        /// An exclusion as recorded.
        insert ExclusionValues;
        #[derive(serde::Serialize, PartialEq)]
        read ExclusionRow;
    }
    columns {
        stored run_id: String,
        read dataset: String,
        read target: String,
        read rule: String,
        read detail: String,
        read forced: bool,
    }
}

table! {
    /// One model of an endpoint's catalog, as last synced.
    "models" => MODELS {
        /// A model as synced.
        insert ModelValues;
        #[derive(serde::Serialize, PartialEq)]
        read ModelRow;
    }
    columns {
        read endpoint: String,
        read id: String,
        read name: Option<String>,
        read context_length: Option<i64>,
        read max_completion_tokens: Option<i64>,
        /// USD per token; 0 with `priced` false when the catalog listed no price.
        read prompt_price: f64,
        read completion_price: f64,
        read request_price: f64,
        /// JSON array of parameter names.
        read supported_parameters: String,
        read endpoints_json: Option<String>,
        read synced_at: i64,
        /// The catalog listed a price for the model (its prices above are 0 when not).
        read priced: bool,
        /// USD per cached prompt token read and written (`input_cache_read`,
        /// `input_cache_write`); `None`: the prompt rate.
        read cache_read_price: Option<f64>,
        read cache_write_price: Option<f64>,
    }
}

table! {
    /// A model's prices each time they were seen to change.
    "model_prices" => MODEL_PRICES {
        /// A price as seen.
        insert PriceValues;
    }
    columns {
        stored endpoint: String,
        stored id: String,
        stored prompt_price: f64,
        stored completion_price: f64,
        stored request_price: f64,
        stored seen_at: i64,
    }
}

table! {
    /// A numbered set of verdicts of a run (0: the live one).
    "scorings" => SCORINGS {
        /// A scoring as begun.
        insert ScoringValues;
    }
    columns {
        stored run_id: String,
        stored scoring: i64,
        stored created_at: i64,
        /// `live`, or what re-graded it.
        stored source: String,
    }
}

table! {
    /// One cell of a route's compatibility matrix, as one `routeval probe` found it.
    "probes" => PROBES {
        /// A probe verdict as recorded.
        insert ProbeValues;
        #[derive(serde::Serialize, PartialEq)]
        read ProbeRow;
    }
    columns {
        auto id: i64,
        read run_at: i64,
        read route: String,
        read model: String,
        read probe: String,
        /// `pass`, `fail` or `unsupported`.
        read verdict: String,
        read status: Option<i64>,
        read latency_ms: f64,
        read evidence: String,
    }
}

table! {
    /// One shard of a run split across processes (`run --shard K/N`).
    "run_shards" => RUN_SHARDS {
        /// A shard as it first starts.
        insert ShardValues;
        /// A shard, as `status` and reports show it.
        #[derive(serde::Serialize, PartialEq)]
        read ShardRow;
    }
    columns {
        stored run_id: String,
        /// K of K/N, from 1.
        read shard: i64,
        read status: String,
        read started_at: i64,
        later finished_at: Option<i64>,
        later status_reason: Option<String>,
        /// `host:pid:nonce` of the process holding it, while one does.
        later lease_owner: Option<String>,
        auto lease_expires_at: Option<i64>,
        later sessions: i64,
    }
}

table! {
    /// One verdict per (run, scoring, target, dataset, case, repeat); its id is given by
    /// the writer (see `write::insert_verdicts`).
    "results" => RESULTS {
        /// A result as written.
        insert ResultValues;
        /// One verdict, as the analysis reads it.
        read ResultRow;
    }
    columns {
        stored id: i64,
        stored run_id: String,
        framed target: String,
        framed target_kind: String,
        framed dataset: String,
        framed case_id: String,
        framed repeat: i64,
        stored scoring: i64,
        framed accepted: bool,
        framed served_step: Option<i64>,
        read served_route: Option<String>,
        framed attempts: i64,
        framed validation_retries: i64,
        framed transport_retries: i64,
        /// `None` when unknown (an attempt of the result had no known cost).
        framed cost: Option<f64>,
        framed latency_ms: f64,
        framed ttft_ms: Option<f64>,
        framed error_class: Option<String>,
        read reason: String,
        /// A fingerprint of the verdict (see `verdict::digest`); `None` before it existed.
        stored verdict_digest: Option<i64>,
    }
}

table! {
    /// One check's verdict on one result.
    "scores" => SCORES {
        /// A score as written.
        insert ScoreValues;
    }
    columns {
        stored result_id: i64,
        stored check_id: i64,
        stored pass: bool,
        stored value: f64,
        stored detail: Option<String>,
    }
}

table! {
    /// Check names, each stored once.
    "checks" => CHECKS {
        /// A check name as written (its id is the database's).
        insert CheckValues;
    }
    columns {
        auto id: i64,
        stored name: String,
    }
}

table! {
    /// The view of scores with their result's key.
    "result_scores" => RESULT_SCORES {
        /// One check verdict of a live result, as the analysis reads it.
        read ScoreRow;
    }
    columns {
        stored run_id: String,
        framed target: String,
        framed dataset: String,
        framed case_id: String,
        framed repeat: i64,
        stored scoring: i64,
        framed check_name: String,
        framed pass: bool,
        framed value: f64,
        framed detail: Option<String>,
    }
}

table! {
    /// One HTTP attempt.
    "attempts" => ATTEMPTS {
        /// An attempt as written (its id is the database's).
        insert AttemptValues;
        /// The attempt columns the analysis aggregates (content left out).
        read AttemptRow;
    }
    columns {
        auto id: i64,
        stored run_id: String,
        framed target: String,
        framed route: String,
        framed chain_step: i64,
        framed dataset: String,
        framed case_id: String,
        framed repeat: i64,
        stored try_index: i64,
        stored http_attempt: i64,
        stored request_id: String,
        stored request_hash: String,
        framed status: Option<i64>,
        framed error_class: Option<String>,
        stored error_message: Option<String>,
        framed served_model: Option<String>,
        framed served_provider: Option<String>,
        stored generation_id: Option<String>,
        framed prompt_tokens: Option<i64>,
        framed completion_tokens: Option<i64>,
        framed cached_tokens: Option<i64>,
        framed reasoning_tokens: Option<i64>,
        /// `None` when unknown.
        framed cost: Option<f64>,
        stored cost_source: Option<String>,
        framed latency_ms: f64,
        framed ttft_ms: Option<f64>,
        stored chunks: Option<i64>,
        stored finish_reason: Option<String>,
        stored native_finish_reason: Option<String>,
        stored content: Option<String>,
        stored tool_calls_json: Option<String>,
        stored retry_after_s: Option<f64>,
        stored started_at: i64,
        stored policy_violation: Option<String>,
        stored turn: i64,
        stored content_bytes: Option<i64>,
        stored tool_calls_bytes: Option<i64>,
        stored error_bytes: Option<i64>,
        /// The error's `metadata` (and `availability`) as JSON, redacted and cut.
        stored error_metadata: Option<String>,
        /// Whether the generation ran on the user's own provider key (BYOK).
        stored is_byok: Option<bool>,
        /// A BYOK generation's parts of `cost`: OpenRouter's fee, and the upstream cost.
        stored fee_cost: Option<f64>,
        stored upstream_cost: Option<f64>,
        /// Prompt tokens written to the provider's prompt cache.
        stored cache_write_tokens: Option<i64>,
        /// The generation stats' `provider_responses` as JSON, redacted and cut.
        stored provider_responses: Option<String>,
        /// The response's cost and provider, when the generation stats said otherwise.
        stored response_cost: Option<f64>,
        stored response_provider: Option<String>,
    }
}

table! {
    /// Answered attempts per served provider, as each writer counted them.
    "run_providers" => RUN_PROVIDERS {
        /// One writer's count, added to on conflict.
        insert ProviderCountValues;
    }
    columns {
        stored run_id: String,
        /// `host:pid:nonce` of the writing process.
        stored writer: String,
        stored dataset: String,
        stored target: String,
        stored provider: String,
        stored attempts: i64,
    }
}

table! {
    /// One HTTP request a `judge` check sent, apart from the candidates' attempts.
    "judge_attempts" => JUDGE_ATTEMPTS {
        /// A judge request as written (its id is the database's).
        insert JudgeAttemptValues;
    }
    columns {
        auto id: i64,
        stored run_id: String,
        stored scoring: i64,
        stored target: String,
        stored dataset: String,
        stored case_id: String,
        stored repeat: i64,
        stored check_name: String,
        stored judge_route: String,
        stored cache_key: String,
        stored http_attempt: i64,
        stored request_id: String,
        stored status: Option<i64>,
        stored error_class: Option<String>,
        stored error_message: Option<String>,
        stored served_model: Option<String>,
        stored served_provider: Option<String>,
        stored prompt_tokens: Option<i64>,
        stored completion_tokens: Option<i64>,
        stored cost: Option<f64>,
        stored cost_source: Option<String>,
        stored latency_ms: f64,
        stored started_at: i64,
    }
}

table! {
    /// Judge verdicts by what decides them (the verdict cache).
    "judge_verdicts" => JUDGE_VERDICTS {
        /// A verdict as written.
        insert JudgeVerdictValues;
        /// A cached verdict, as a judge reuses it.
        read JudgeVerdictRow;
    }
    columns {
        read cache_key: String,
        read judge_route: String,
        read check_name: String,
        read pass: bool,
        /// 1 to 5 on a five-point rubric.
        read score: Option<f64>,
        read reason: String,
        stored run_id: String,
        stored created_at: i64,
    }
}

/// Every declared table and view, checked against the migrated schema.
pub const ALL: &[TableDef] = &[
    RUNS,
    TARGETS,
    DATASETS,
    CASES,
    EXCLUSIONS,
    MODELS,
    MODEL_PRICES,
    SCORINGS,
    PROBES,
    RUN_SHARDS,
    RESULTS,
    SCORES,
    CHECKS,
    RESULT_SCORES,
    ATTEMPTS,
    RUN_PROVIDERS,
    JUDGE_ATTEMPTS,
    JUDGE_VERDICTS,
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Each declaration names the live table's columns, in order, with their types and
    /// nullability, on both databases: a migration that adds a column without its
    /// declaration (or the reverse), or a PostgreSQL migration that strays from the
    /// SQLite one, fails here.
    #[tokio::test]
    async fn declarations_match_the_migrated_schema() {
        for (db, store) in crate::test_support::stores_with_run("run").await {
            for table in ALL {
                let live = live_columns(&store, table.name).await;
                let is_table = live.0;
                let declared: Vec<(String, String, Option<bool>)> = table
                    .columns
                    .iter()
                    .map(|c| {
                        let ty = if store.is_postgres() {
                            c.ty.postgres()
                        } else {
                            c.ty.sqlite()
                        };
                        (
                            c.name.to_string(),
                            ty.to_string(),
                            is_table.then_some(c.nullable),
                        )
                    })
                    .collect();
                assert_eq!(
                    declared, live.1,
                    "the declaration of `{}` on {}",
                    table.name, db.backend
                );
            }
            store.close().await;
        }
    }

    /// Whether `name` is a table (not a view), and its columns in order: name, type and
    /// (for a table) whether it holds NULL.
    async fn live_columns(
        store: &crate::Store,
        name: &str,
    ) -> (bool, Vec<(String, String, Option<bool>)>) {
        if let Some(pool) = store.pg_pool() {
            let (kind,): (String,) = sqlx::query_as(
                "SELECT table_type::TEXT FROM information_schema.tables WHERE table_name = $1",
            )
            .bind(name)
            .fetch_one(pool)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
            let is_table = kind == "BASE TABLE";
            let live: Vec<(String, String, String)> = sqlx::query_as(
                "SELECT column_name::TEXT, data_type::TEXT, is_nullable::TEXT
                 FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position",
            )
            .bind(name)
            .fetch_all(pool)
            .await
            .unwrap();
            let live = live
                .into_iter()
                .map(|(c, ty, nullable)| (c, ty, is_table.then_some(nullable == "YES")))
                .collect();
            return (is_table, live);
        }
        let pool = store.sqlite_pool().unwrap();
        let (kind,): (String,) = sqlx::query_as("SELECT type FROM sqlite_master WHERE name = $1")
            .bind(name)
            .fetch_one(pool)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let is_table = kind == "table";
        let live: Vec<(String, String, bool, i64)> = sqlx::query_as(
            "SELECT name, type, \"notnull\", pk FROM pragma_table_info($1) ORDER BY cid",
        )
        .bind(name)
        .fetch_all(pool)
        .await
        .unwrap();
        let live = live
            .into_iter()
            // A primary key column is taken as NOT NULL (an INTEGER one is the rowid, a
            // WITHOUT ROWID table refuses NULL in its key). A view says nothing about NULLs.
            .map(|(c, ty, notnull, pk)| (c, ty, is_table.then_some(!notnull && pk == 0)))
            .collect();
        (is_table, live)
    }

    #[test]
    fn rows_read_and_frame_what_they_declare() {
        assert_eq!(RunRow::COLUMNS.last().map(|c| c.name), Some("kind"));
        assert_eq!(ResultRow::COLUMNS.len(), 16);
        assert_eq!(ResultRow::FRAME.len(), 14);
        assert!(ResultRow::FRAME
            .iter()
            .all(|c| ResultRow::COLUMNS.contains(c)));
        assert_eq!(AttemptRow::COLUMNS, AttemptRow::FRAME);
        assert_eq!(
            select_list("r.", &ScoreRow::FRAME[..2]),
            "r.target, r.dataset"
        );
    }
}
