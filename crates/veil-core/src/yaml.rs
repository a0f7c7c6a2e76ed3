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

    /// A boolean as psoxy's Jackson reads one into a `boolean` field: a YAML 1.1 boolean word
    /// (`yes`, `On`, `FALSE`, ...), the strings `true`/`True`/`TRUE`/`false`/`False`/`FALSE`
    /// quoted or not, an integer (0 is false), and null or `""` (false).
    pub fn as_java_bool(&self) -> Option<bool> {
        match &self.kind {
            Kind::Null => Some(false),
            Kind::Scalar { text, plain } => {
                if *plain && let Some(b) = self.yaml11_bool() {
                    return Some(b);
                }
                match text.as_str() {
                    "true" | "True" | "TRUE" => Some(true),
                    "false" | "False" | "FALSE" | "" => Some(false),
                    _ if *plain => parse_int(text).map(|n| n != 0),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// What a plain scalar is as a YAML 1.1 boolean (psoxy's YAML parser reads `No` in a list
    /// of column names as `false`), or `None` for any other scalar.
    pub fn yaml11_bool(&self) -> Option<bool> {
        match &self.kind {
            Kind::Scalar { text, plain: true } => match text.as_str() {
                "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => Some(true),
                "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => Some(false),
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

/// A key written twice in one mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    /// The key.
    pub key: String,
    /// Line and column of the first and of the second occurrence.
    pub first: (usize, usize),
    /// See `first`.
    pub second: (usize, usize),
}

/// Keys written twice in one mapping, anywhere under `node`. psoxy's parser silently keeps
/// the last, so one of the two settings is lost unseen.
pub fn duplicate_keys(node: &Node) -> Vec<DuplicateKey> {
    let mut found = Vec::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        match &n.kind {
            Kind::Seq(items) => stack.extend(items.iter().rev()),
            Kind::Map(entries) => {
                let mut seen: HashMap<&str, (usize, usize)> = HashMap::new();
                for (k, v) in entries {
                    if let Some(text) = k.as_str() {
                        if let Some(&first) = seen.get(text) {
                            found.push(DuplicateKey {
                                key: text.to_owned(),
                                first,
                                second: k.at,
                            });
                        } else {
                            seen.insert(text, k.at);
                        }
                    }
                    stack.push(v);
                }
            }
            _ => {}
        }
    }
    found.sort_by_key(|d| d.second);
    found
}

/// A YAML 1.1 decimal integer (`-12`, `1_000`), as Jackson would read it.
fn parse_int(text: &str) -> Option<i128> {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text).replace('_', "");
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// At most this many aliases may refer to a collection (SnakeYAML's limit, which psoxy's
/// parser inherits): more is how a small file expands to gigabytes.
const MAX_COLLECTION_ALIASES: usize = 50;
/// An upper bound on the nodes of the expanded tree, whatever the aliases.
const MAX_NODES: usize = 100_000;

/// Parses one YAML document. An empty document is `Null`.
///
/// # Errors
/// A syntax error, with line and column.
pub fn parse(text: &str) -> Result<Node, (String, (usize, usize))> {
    let mut anchors: HashMap<usize, (Node, usize)> = HashMap::new();
    // Stack of open collections: (node under construction, pending map key, anchor, nodes in it).
    let mut stack: Vec<(Node, Option<Node>, usize, usize)> = Vec::new();
    let mut root: Option<Node> = None;
    let (mut nodes, mut collection_aliases) = (0usize, 0usize);
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| {
            let m = e.marker();
            (e.info().to_string(), (m.line(), m.col() + 1))
        })?;
        let at = (span.start.line(), span.start.col() + 1);
        // A mapping key is always text to psoxy (`null:` is the column `null`).
        let is_key = matches!(stack.last(), Some((Node { kind: Kind::Map(_), .. }, None, _, _)));
        // `size` is the node's whole subtree, `new` what it adds to the tree (children of a
        // collection were counted as they came).
        let (node, anchor, size, new) = match event {
            Event::Scalar(value, style, anchor, _tag) => {
                let plain = style == ScalarStyle::Plain;
                let kind = if plain && !is_key && matches!(value.as_ref(), "" | "~" | "null" | "Null" | "NULL") {
                    Kind::Null
                } else {
                    Kind::Scalar {
                        text: value.into_owned(),
                        plain,
                    }
                };
                (Node { kind, at }, anchor, 1, 1)
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some((node, size)) => {
                    if matches!(node.kind, Kind::Seq(_) | Kind::Map(_)) {
                        collection_aliases += 1;
                        if collection_aliases > MAX_COLLECTION_ALIASES {
                            let msg = format!(
                                "more than {MAX_COLLECTION_ALIASES} aliases to lists or mappings (the limit psoxy's YAML parser sets)"
                            );
                            return Err((msg, at));
                        }
                    }
                    (node.clone(), 0, *size, *size)
                }
                None => return Err(("unknown alias".into(), at)),
            },
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                let kind = if matches!(event, Event::SequenceStart(..)) {
                    Kind::Seq(Vec::new())
                } else {
                    Kind::Map(Vec::new())
                };
                stack.push((Node { kind, at }, None, anchor, 1));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, _, anchor, size) = stack.pop().expect("parser balances collections");
                (node, anchor, size, 1)
            }
            _ => continue,
        };
        nodes += new;
        if nodes > MAX_NODES {
            return Err((
                format!("the rules expand to more than {MAX_NODES} YAML nodes (aliases?)"),
                at,
            ));
        }
        if anchor != 0 {
            anchors.insert(anchor, (node.clone(), size));
        }
        match stack.last_mut() {
            None => root = Some(node),
            Some((parent, pending, _, parent_size)) => {
                *parent_size += size;
                match &mut parent.kind {
                    Kind::Seq(items) => items.push(node),
                    Kind::Map(entries) => match pending.take() {
                        None => *pending = Some(node),
                        Some(key) => entries.push((key, node)),
                    },
                    _ => unreachable!("only collections are pushed"),
                }
            }
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
