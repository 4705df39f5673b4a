//! Find the line of a key in a TOML document, for errors found after parsing
//! (a route naming an endpoint that does not exist, say).

/// 1-based line of `path` (`["routes", "fast", "endpoint"]`) in `src`, best effort:
/// the `key =` line inside the matching table, else the table header, else the
/// first line mentioning the last key.
pub fn toml_key_line(src: &str, path: &[&str]) -> Option<usize> {
    let lines: Vec<&str> = src.lines().collect();
    for split in (0..path.len()).rev() {
        let (table, keys) = path.split_at(split);
        let header_line = if table.is_empty() {
            Some(0)
        } else {
            let header = format!("[{}]", table.join("."));
            let array_header = format!("[[{}]]", table.join("."));
            lines
                .iter()
                .position(|l| {
                    let t = l.trim();
                    t == header || t == array_header
                })
                .map(|i| i + 1)
        };
        let Some(start) = header_line else { continue };
        let Some(first_key) = keys.first() else {
            return Some(start.max(1));
        };
        for (i, line) in lines.iter().enumerate().skip(start) {
            let t = line.trim_start();
            if i > start && t.starts_with('[') && !table.is_empty() {
                break;
            }
            if t.starts_with(first_key) && t[first_key.len()..].trim_start().starts_with(['=', '.'])
            {
                return Some(i + 1);
            }
        }
        if !table.is_empty() {
            return Some(start);
        }
    }
    let last = path.last()?;
    lines.iter().position(|l| l.contains(last)).map(|i| i + 1)
}

/// 1-based line of a byte offset.
pub fn line_of_offset(src: &str, offset: usize) -> usize {
    src[..offset.min(src.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "name = \"x\"\n\n[routes.fast]\nendpoint = \"e\"\nmodel = \"m\"\n\n[routes.slow]\nmodel = \"n\"\n";

    #[test]
    fn finds_key_inside_its_table() {
        assert_eq!(toml_key_line(SRC, &["routes", "slow", "model"]), Some(8));
        assert_eq!(toml_key_line(SRC, &["routes", "fast", "model"]), Some(5));
        assert_eq!(toml_key_line(SRC, &["name"]), Some(1));
    }

    #[test]
    fn falls_back_to_table_header() {
        assert_eq!(toml_key_line(SRC, &["routes", "slow", "stream"]), Some(7));
    }
}
