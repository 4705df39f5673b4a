//! String normalisation before comparison, configured per check, and the date reading
//! behind `dates = true`.

use routeval_core::scorer_spec::{ComparesStrings, Whitespace};
use std::borrow::Cow;

/// How a check compares strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StrNorm {
    pub ignore_case: bool,
    pub whitespace: Whitespace,
    /// Drop `,./-_*^` and read `'` as `"` (BFCL).
    pub punctuation: bool,
}

impl StrNorm {
    /// The Berkeley Function Calling Leaderboard's normalisation.
    pub const BFCL: StrNorm = StrNorm {
        ignore_case: true,
        whitespace: Whitespace::Remove,
        punctuation: true,
    };

    /// Compare as is.
    pub const EXACT: StrNorm = StrNorm {
        ignore_case: false,
        whitespace: Whitespace::Keep,
        punctuation: false,
    };

    /// A check's options, with its kind's defaults.
    pub fn of(check: &impl ComparesStrings) -> Self {
        Self {
            ignore_case: check.ignore_case(),
            whitespace: check.whitespace(),
            punctuation: check.punctuation(),
        }
    }

    /// The normalised string. Idempotent: applying it twice changes nothing.
    pub fn apply<'a>(&self, s: &'a str) -> Cow<'a, str> {
        if *self == Self::EXACT {
            return Cow::Borrowed(s);
        }
        // Punctuation first, whitespace last: dropping a `.` between two spaces must
        // not leave a double space behind.
        let mut out: String = s
            .chars()
            .filter(|c| !(self.punctuation && is_bfcl_punct(*c)))
            .filter(|c| match self.whitespace {
                Whitespace::Remove => *c != ' ',
                Whitespace::RemoveAll => !c.is_whitespace(),
                Whitespace::Keep | Whitespace::Collapse => true,
            })
            .map(|c| {
                if self.punctuation && c == '\'' {
                    '"'
                } else {
                    c
                }
            })
            .collect();
        if self.ignore_case {
            out = out.to_lowercase();
        }
        if self.whitespace == Whitespace::Collapse {
            out = out.split_whitespace().collect::<Vec<_>>().join(" ");
        }
        Cow::Owned(out)
    }

    pub fn eq(&self, a: &str, b: &str) -> bool {
        a == b || self.apply(a) == self.apply(b)
    }
}

fn is_bfcl_punct(c: char) -> bool {
    matches!(c, ',' | '.' | '/' | '-' | '_' | '*' | '^')
}

/// Normalise a string the way the Berkeley Function Calling Leaderboard's AST checker
/// does: lowercase, drop spaces (only U+0020) and `,./-_*^`, treat `'` as `"`.
pub fn normalise_str(s: &str) -> String {
    StrNorm::BFCL.apply(s).into_owned()
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// A calendar date read from the common written forms: `2025-03-04`, `2025/03/04`,
/// `March 4, 2025`, `Mar. 4th 2025`, `4 March 2025`, `4 Mar, 2025`. Purely numeric
/// day-first or month-first forms (`03/04/2025`) are ambiguous and not read.
pub fn parse_date(s: &str) -> Option<(i32, u32, u32)> {
    let s = s.trim();
    let cleaned: String = s.chars().map(|c| if c == ',' { ' ' } else { c }).collect();
    let tokens: Vec<&str> = cleaned.split_whitespace().collect();
    let (y, m, d) = match tokens.as_slice() {
        [iso] => {
            let parts: Vec<&str> = iso.split(['-', '/']).collect();
            let [y, m, d] = parts.as_slice() else {
                return None;
            };
            if y.len() != 4 || m.is_empty() || m.len() > 2 || d.is_empty() || d.len() > 2 {
                return None;
            }
            (number(y)?, number(m)?, number(d)?)
        }
        [a, b, year] => {
            let year = if year.len() == 4 {
                number(year)?
            } else {
                return None;
            };
            match (month(a), month(b)) {
                (Some(m), None) => (year, m, day(b)?),
                (None, Some(m)) => (year, m, day(a)?),
                _ => return None,
            }
        }
        _ => return None,
    };
    let y = i32::try_from(y).ok()?;
    (1..=12)
        .contains(&m)
        .then_some(())
        .filter(|_| d >= 1 && d <= days_in_month(y, m))
        .map(|_| (y, m, d))
}

fn number(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn day(s: &str) -> Option<u32> {
    let digits = s.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = &s[digits.len()..];
    if !matches!(
        suffix.to_ascii_lowercase().as_str(),
        "" | "st" | "nd" | "rd" | "th"
    ) || digits.len() > 2
    {
        return None;
    }
    number(digits)
}

fn month(s: &str) -> Option<u32> {
    let s = s.trim_end_matches('.').to_ascii_lowercase();
    if s.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| {
            *m == s || (s.len() == 3 && m.starts_with(&s)) || (s == "sept" && *m == "september")
        })
        .map(|i| i as u32 + 1)
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bfcl_normaliser() {
        assert_eq!(normalise_str("New-York, N.Y."), "newyorkny");
        assert_eq!(normalise_str("it's"), "it\"s");
        // BFCL drops spaces only: a tab or a newline still tells two strings apart.
        assert_eq!(normalise_str("a\tb c\n"), "a\tbc\n");
        assert!(!StrNorm::BFCL.eq("new\tyork", "new york"));
        let all = StrNorm {
            whitespace: Whitespace::RemoveAll,
            ..StrNorm::BFCL
        };
        assert!(all.eq("new\tyork", "new york"));
    }

    #[test]
    fn options_change_what_is_equal() {
        let collapse = StrNorm {
            ignore_case: false,
            whitespace: Whitespace::Collapse,
            punctuation: false,
        };
        assert!(collapse.eq("  Acme   Corp ", "Acme Corp"));
        assert!(!collapse.eq("acme corp", "Acme Corp"));
        assert!(!collapse.eq("AcmeCorp", "Acme Corp"));
        let case = StrNorm {
            ignore_case: true,
            ..collapse
        };
        assert!(case.eq("acme corp", "Acme  Corp"));
        assert!(!StrNorm::EXACT.eq("a ", "a"));
        let punct = StrNorm {
            punctuation: true,
            ..collapse
        };
        assert_eq!(punct.apply("a . b"), "a b");
    }

    #[test]
    fn written_dates_read_the_same() {
        let want = Some((2025, 3, 4));
        for s in [
            "2025-03-04",
            "2025/3/4",
            "March 4, 2025",
            "march 4 2025",
            "Mar 4, 2025",
            "Mar. 4th, 2025",
            "4 Mar 2025",
            "4 March, 2025",
            "4th march 2025",
        ] {
            assert_eq!(parse_date(s), want, "{s}");
        }
        assert_eq!(parse_date("Sept 30, 2024"), Some((2024, 9, 30)));
        for s in [
            "03/04/2025",
            "2025-02-30",
            "2023-02-29",
            "Foo 4, 2025",
            "March 2025",
            "4 Mar 25",
            "2025-13-01",
            "March 32, 2025",
            "",
            "4xx Mar 2025",
        ] {
            assert_eq!(parse_date(s), None, "{s}");
        }
        assert_eq!(parse_date("2024-02-29"), Some((2024, 2, 29)));
    }
}
