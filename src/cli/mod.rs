//! Command implementations of the binary (formatting only; models are in the library).

pub mod catalog;
pub mod starter;
pub mod sweep;

/// Wraps `text` at `width` columns (on spaces).
pub fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = 0usize;
    for word in text.split_whitespace() {
        let n = word.chars().count();
        if line > 0 && line + 1 + n > width {
            out.push('\n');
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += n;
    }
    out
}
