//! The XML STS answers with, built by hand: the documents are a handful of fixed elements, and all that needs
//! care is the text inside them, which `escape` makes safe.

use std::fmt::Write;

pub const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// `text` as XML character data: the markup characters as entities (quotes need none outside attributes, and
/// every attribute here is a constant), and the characters XML 1.0 cannot carry at all (most C0 controls, U+FFFE
/// and U+FFFF; a `str` holds no lone surrogates) replaced by U+FFFD, since no character reference may stand for
/// them either.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// An element tree written with two-space indentation, as STS writes its answers.
#[derive(Default)]
pub struct Doc {
    out: String,
    depth: usize,
}

impl Doc {
    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    /// Opens `<name>` (with the STS namespace when `namespaced`); close it with `close`.
    pub fn open(&mut self, name: &str, namespaced: bool) -> &mut Self {
        self.indent();
        if namespaced {
            let _ = writeln!(self.out, "<{name} xmlns=\"{NAMESPACE}\">");
        } else {
            let _ = writeln!(self.out, "<{name}>");
        }
        self.depth += 1;
        self
    }

    pub fn close(&mut self, name: &str) -> &mut Self {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        let _ = writeln!(self.out, "</{name}>");
        self
    }

    /// `<name>text</name>`, the text escaped.
    pub fn text(&mut self, name: &str, text: &str) -> &mut Self {
        self.indent();
        let _ = writeln!(self.out, "<{name}>{}</{name}>", escape(text));
        self
    }

    pub fn finish(&mut self) -> String {
        std::mem::take(&mut self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_made_representable() {
        assert_eq!(
            escape(r#"<a href="x">&'</a>"#),
            r#"&lt;a href="x"&gt;&amp;'&lt;/a&gt;"#
        );
        assert_eq!(escape("tab\tnl\ncr\r"), "tab\tnl\ncr\r");
        assert_eq!(
            escape("nul\0bell\u{7}\u{FFFF}"),
            "nul\u{FFFD}bell\u{FFFD}\u{FFFD}"
        );
        assert_eq!(escape("é🙂"), "é🙂");
    }

    #[test]
    fn documents_nest_with_indentation() {
        let doc = Doc::default()
            .open("R", true)
            .text("A", "1 < 2")
            .open("B", false)
            .text("C", "")
            .close("B")
            .close("R")
            .finish();
        assert_eq!(
            doc,
            format!("<R xmlns=\"{NAMESPACE}\">\n  <A>1 &lt; 2</A>\n  <B>\n    <C></C>\n  </B>\n</R>\n")
        );
    }
}
