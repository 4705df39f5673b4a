//! Text from models, endpoints and suites made safe for each output format.
//!
//! Target names, answers, reasons and error messages are untrusted: each format escapes
//! them for itself, and long ones are cut to a fixed length with a visible marker so
//! that a megabyte error message cannot swell a report.

use std::borrow::Cow;

/// The most characters of one cell in a Markdown report (a table cell or a line).
pub const MARKDOWN_CELL_CHARS: usize = 500;
/// The most characters of one cell in the HTML report, JUnit XML and the JSON report.
pub const CELL_CHARS: usize = 4_000;

/// `s` cut to `max` characters, with `… [truncated, N chars]` (N: the whole length)
/// when it was longer.
pub fn clip(s: &str, max: usize) -> Cow<'_, str> {
    match split(s, max) {
        (kept, None) => Cow::Borrowed(kept),
        (kept, Some(marker)) => Cow::Owned(format!("{kept}{marker}")),
    }
}

/// The first `max` characters of `s`, and the marker to show after them if that is
/// not all of it.
fn split(s: &str, max: usize) -> (&str, Option<String>) {
    match s.char_indices().nth(max) {
        None => (s, None),
        Some((cut, _)) => {
            let total = max + s[cut..].chars().count();
            (&s[..cut], Some(format!("… [truncated, {total} chars]")))
        }
    }
}

/// A line break or any other control character, read as a space in one-line cells.
fn is_break(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

/// Text as one Markdown cell of literal text: clipped; line breaks and control
/// characters become spaces; `|` is escaped for tables; `<`, `>` and `&` become entities
/// (no HTML gets through); and characters Markdown reads as syntax are backslash-escaped.
/// An `_` inside a word is left alone, since it never starts emphasis.
pub fn markdown(s: &str) -> String {
    let (s, marker) = split(s, MARKDOWN_CELL_CHARS);
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        match c {
            c if is_break(c) => out.push(' '),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '_' => {
                let word = |j: Option<usize>| {
                    j.and_then(|j| chars.get(j))
                        .is_some_and(|c| c.is_alphanumeric())
                };
                if !(word(i.checked_sub(1)) && word(Some(i + 1))) {
                    out.push('\\');
                }
                out.push('_');
            }
            '\\' | '`' | '*' | '[' | ']' | '#' | '~' | '!' | '|' => {
                out.push('\\');
                out.push(c);
            }
            // `+`, `-`, `=` and a digit followed by `.` or `)` only mean something at the
            // start of a line; a cell never starts one, but a leading one is escaped anyway.
            '+' | '-' | '=' if i == 0 => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    // Shown as written: brackets without a link definition are literal text.
    if let Some(marker) = marker {
        out.push_str(&marker);
    }
    out
}

/// Text as a Markdown code span, delimiters included: clipped, one line, `|` escaped for
/// tables, and a fence longer than any run of backticks inside.
///
/// Text with `<`, `>` or `&` is shown as escaped text instead: a code span would hold it
/// literally, but not every renderer of Markdown keeps markup inside one inert.
pub fn markdown_code(s: &str) -> String {
    if s.contains(['<', '>', '&']) {
        return markdown(s);
    }
    let s = clip(s, MARKDOWN_CELL_CHARS);
    let text: String = s
        .chars()
        .map(|c| if is_break(c) { ' ' } else { c })
        .collect::<String>()
        .replace('|', "\\|");
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    // A span that starts or ends with a backtick (or is blank) needs a space inside.
    let pad = if text.starts_with('`') || text.ends_with('`') || text.trim().is_empty() {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// Text for one cell of a terminal table: clipped to `max`, on one line, and with
/// control characters (a terminal's escape sequences among them) shown as spaces.
pub fn terminal(s: &str, max: usize) -> String {
    clip(s, max)
        .chars()
        .map(|c| if is_break(c) { ' ' } else { c })
        .collect()
}

/// Whether XML 1.0 allows `c` in a document.
fn xml_allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && !matches!(c, '\u{FFFE}' | '\u{FFFF}'))
}

/// Text for XML (content or an attribute value): clipped, characters XML 1.0 forbids
/// removed, and `<>&"'` escaped (by quick-xml's escaper). Tabs and line breaks become
/// character references, so a parser keeps them even inside attribute values.
pub fn xml(s: &str) -> String {
    let s = clip(s, CELL_CHARS);
    let clean: Cow<'_, str> = if s.chars().all(xml_allowed) {
        Cow::Borrowed(s.as_ref())
    } else {
        Cow::Owned(s.chars().filter(|&c| xml_allowed(c)).collect())
    };
    let escaped = quick_xml::escape::escape(clean.as_ref());
    if escaped.contains(['\t', '\n', '\r']) {
        escaped
            .replace('\t', "&#9;")
            .replace('\n', "&#10;")
            .replace('\r', "&#13;")
    } else {
        escaped.into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_marks_what_was_cut() {
        assert_eq!(clip("short", 10), "short");
        assert_eq!(clip("abcdef", 3), "abc… [truncated, 6 chars]");
        // Counted in characters, never cut inside one.
        assert_eq!(clip("ééééé", 2), "éé… [truncated, 5 chars]");
    }

    #[test]
    fn markdown_cells_are_literal_text() {
        assert_eq!(markdown("a|b"), "a\\|b");
        assert_eq!(markdown("line\nbreak\r\n"), "line break  ");
        assert_eq!(markdown("# title"), "\\# title");
        assert_eq!(
            markdown("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(
            markdown("`code` *em* [l](x)"),
            "\\`code\\` \\*em\\* \\[l\\](x)"
        );
        assert_eq!(markdown("bell\u{7}nul\u{0}"), "bell nul ");
        assert_eq!(markdown("snake_case _em_"), "snake_case \\_em\\_");
        assert_eq!(markdown("- item"), "\\- item");
        assert_eq!(markdown("a & b"), "a &amp; b");
        let long = "*".repeat(MARKDOWN_CELL_CHARS + 10);
        assert_eq!(
            markdown(&long),
            format!(
                "{}… [truncated, {} chars]",
                "\\*".repeat(MARKDOWN_CELL_CHARS),
                MARKDOWN_CELL_CHARS + 10
            )
        );
    }

    #[test]
    fn markdown_code_spans_hold_any_text() {
        assert_eq!(markdown_code("fast"), "`fast`");
        assert_eq!(markdown_code("a`b"), "``a`b``");
        assert_eq!(markdown_code("`x`"), "`` `x` ``");
        assert_eq!(markdown_code("a|b\nc"), "`a\\|b c`");
        assert_eq!(markdown_code("<b>"), "&lt;b&gt;");
    }

    #[test]
    fn terminal_cells_hold_no_escape_sequences() {
        assert_eq!(terminal("red\u{1b}[31m\nx", 100), "red [31m x");
        assert_eq!(terminal("abcdef", 3), "abc… [truncated, 6 chars]");
    }

    #[test]
    fn xml_text_is_escaped_and_allowed() {
        assert_eq!(
            xml("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;"
        );
        assert_eq!(xml("a\u{0}b\u{1b}c\u{FFFE}\u{FFFF}d"), "abcd");
        assert_eq!(xml("tab\tline\n"), "tab&#9;line&#10;");
    }
}
