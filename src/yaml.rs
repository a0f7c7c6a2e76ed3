//! A small located YAML tree on top of `saphyr-parser`.
//!
//! Rules are read through this tree rather than serde so that every problem (unknown key,
//! bad enum, wrong type) can be reported at once with its line and column, and so that
//! scalars keep their exact text (`007` stays `007`, `NO` stays `NO`).

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle};

/// A YAML node with its 1-based line and column.
#[derive(Debug, Clone)]
pub struct Node {
    /// What the node holds.
    pub kind: Kind,
    /// 1-based line and column of the node's start.
    pub at: (usize, usize),
}

/// The shape of a node.
#[derive(Debug, Clone)]
pub enum Kind {
    /// `null`, `~` or nothing.
    Null,
    /// A scalar's text; `plain` is false when it was quoted or a block scalar.
    Scalar {
        /// The text as parsed.
        text: String,
        /// Whether the scalar was unquoted.
        plain: bool,
    },
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in document order.
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// The scalar text (for any scalar style), or `None`.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The boolean value of a plain `true`/`false` scalar (any case, as Jackson accepts).
    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            Kind::Scalar { text, plain: true } => match text.to_ascii_lowercase().as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// True for `null`, `~` or an empty value.
    pub fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Null)
    }

    /// A short name of the node's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Null => "null",
            Kind::Scalar { .. } => "a scalar",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }
}

/// Parses one YAML document. An empty document is `Null`.
///
/// # Errors
/// A syntax error, with line and column.
pub fn parse(text: &str) -> Result<Node, (String, (usize, usize))> {
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    // Stack of open collections: (node under construction, pending map key).
    let mut stack: Vec<(Node, Option<Node>, usize)> = Vec::new();
    let mut root: Option<Node> = None;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| {
            let m = e.marker();
            (e.info().to_string(), (m.line(), m.col() + 1))
        })?;
        let at = (span.start.line(), span.start.col() + 1);
        let (node, anchor) = match event {
            Event::Scalar(value, style, anchor, _tag) => {
                let plain = style == ScalarStyle::Plain;
                let kind = if plain && matches!(value.as_ref(), "" | "~" | "null" | "Null" | "NULL") {
                    Kind::Null
                } else {
                    Kind::Scalar {
                        text: value.into_owned(),
                        plain,
                    }
                };
                (Node { kind, at }, anchor)
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some(node) => (node.clone(), 0),
                None => return Err(("unknown alias".into(), at)),
            },
            Event::SequenceStart(anchor, _) => {
                stack.push((
                    Node {
                        kind: Kind::Seq(Vec::new()),
                        at,
                    },
                    None,
                    anchor,
                ));
                continue;
            }
            Event::MappingStart(anchor, _) => {
                stack.push((
                    Node {
                        kind: Kind::Map(Vec::new()),
                        at,
                    },
                    None,
                    anchor,
                ));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, _, anchor) = stack.pop().expect("parser balances collections");
                (node, anchor)
            }
            _ => continue,
        };
        if anchor != 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => root = Some(node),
            Some((parent, pending, _)) => match &mut parent.kind {
                Kind::Seq(items) => items.push(node),
                Kind::Map(entries) => match pending.take() {
                    None => *pending = Some(node),
                    Some(key) => entries.push((key, node)),
                },
                _ => unreachable!("only collections are pushed"),
            },
        }
    }
    Ok(root.unwrap_or(Node {
        kind: Kind::Null,
        at: (1, 1),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_scalar_text_and_positions() {
        let n = parse("a: 007\nb:\n  - NO\n  - 'x'\nc: ~\n").unwrap();
        let Kind::Map(entries) = &n.kind else { panic!() };
        assert_eq!(entries[0].1.as_str(), Some("007"));
        let Kind::Seq(items) = &entries[1].1.kind else { panic!() };
        assert_eq!(items[0].as_str(), Some("NO"));
        assert_eq!(items[1].at, (4, 5));
        assert!(entries[2].1.is_null());
    }

    #[test]
    fn syntax_errors_have_positions() {
        let (msg, at) = parse("a: [1, 2\nb: c\n").unwrap_err();
        assert!(!msg.is_empty());
        assert!(at.0 >= 1);
    }

    #[test]
    fn aliases_resolve() {
        let n = parse("a: &x [p, q]\nb: *x\n").unwrap();
        let Kind::Map(entries) = &n.kind else { panic!() };
        assert!(matches!(&entries[1].1.kind, Kind::Seq(v) if v.len() == 2));
    }
}
