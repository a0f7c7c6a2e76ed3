//! psoxy's column table: which output columns exist, what each reads and does, in the order
//! psoxy's `ColumnarBulkDataSanitizerImpl` registers them (duplicates, renames, transforms,
//! pseudonymize, pseudonymize-if-present, pass-through), each rule list walked in Java's
//! `CASE_INSENSITIVE_ORDER`.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use super::Func;
use crate::rules::{ColumnarRules, Name};
use javalang as java;

/// One registration target in psoxy's column table. A column kept as it is borrows its
/// names from the header and has no rule: a header of 100,000 columns costs no more than it
/// must.
pub(super) struct Entry<'h> {
    /// Spelling of the first registration (psoxy's tree-map key).
    pub key: Cow<'h, str>,
    /// The name looked up in the header (psoxy lower-cases transform sources first).
    pub lookup: Cow<'h, str>,
    /// The source as the rules wrote it, for messages.
    pub written: Cow<'h, str>,
    pub funcs: Vec<Func>,
    /// The rules that made it; empty for a column kept as it is.
    pub origin: Vec<String>,
    /// The header column of a column kept as it is.
    pub kept: Option<usize>,
}

/// psoxy's column table: entries in registration order, found by case-insensitive key.
#[derive(Default)]
pub(super) struct Table<'h> {
    pub entries: Vec<Entry<'h>>,
    /// Entry index by case-insensitive key.
    pub index: HashMap<Cow<'h, str>, usize>,
    /// The renames, in the order psoxy walks them.
    pub renames: Vec<(Name, Name)>,
}

impl<'h> Table<'h> {
    /// Registers every output column of `rules` for a header (`keys` are its
    /// case-insensitive keys; `retained` the columns not redacted or excluded).
    pub fn register(
        rules: &ColumnarRules,
        header: &'h [String],
        keys: &'h [String],
        retained: &[usize],
        retained_index: &HashMap<&str, usize>,
    ) -> Table<'h> {
        let key = java::ignore_case_key;
        let mut table = Table::default();
        let duplicates = tree_order(&rules.columns_to_duplicate, |(from, _)| &from.text);
        for (from, to) in &duplicates {
            let origin = format!("columnsToDuplicate from {}", from.text);
            table.add(&to.text, &from.text, &from.text, None, origin);
        }
        let renames = tree_order(&rules.columns_to_rename, |(from, _)| &from.text);
        for (from, to) in &renames {
            let origin = format!("columnsToRename from {}", from.text);
            table.add(&to.text, &from.text, &from.text, None, origin);
        }
        // Grouped by the lower-cased source (psoxy's `trim().toLowerCase()` key), groups in
        // case-insensitive order, pipelines in file order within a group.
        let mut transforms: Vec<(String, usize)> = rules
            .fields_to_transform
            .iter()
            .enumerate()
            .map(|(i, t)| (java::to_lower_case(&t.source.text), i))
            .collect();
        let mut group_of: HashMap<String, String> = HashMap::new();
        for (lowered, _) in &mut transforms {
            *lowered = group_of.entry(key(lowered)).or_insert_with(|| lowered.clone()).clone();
        }
        transforms.sort_by(|(a, i), (b, j)| java::compare_ignore_case(a, b).then(i.cmp(j)));
        for (lowered, i) in &transforms {
            let t = &rules.fields_to_transform[*i];
            let origin = format!("fieldsToTransform.{}", t.key.text);
            let func = Some(Func::Pipeline(t.steps.clone()));
            table.add(&t.new_name.text, lowered, &t.source.text, func, origin);
        }
        for n in tree_order(&rules.columns_to_pseudonymize, |n| &n.text) {
            let origin = "columnsToPseudonymize".to_owned();
            table.add(&n.text, &n.text, &n.text, Some(Func::Pseudonymize), origin);
        }
        for n in tree_order(&rules.columns_to_pseudonymize_if_present, |n| &n.text) {
            if retained_index.contains_key(key(&n.text).as_str()) {
                let origin = "columnsToPseudonymizeIfPresent".to_owned();
                table.add(&n.text, &n.text, &n.text, Some(Func::Pseudonymize), origin);
            }
        }
        let renamed_away: HashSet<String> = renames.iter().map(|(from, _)| key(&from.text)).collect();
        for &i in retained {
            if !table.index.contains_key(keys[i].as_str()) && !renamed_away.contains(&keys[i]) {
                table.index.insert(Cow::Borrowed(&keys[i]), table.entries.len());
                let h = Cow::Borrowed(header[i].as_str());
                table.entries.push(Entry {
                    key: h.clone(),
                    lookup: h.clone(),
                    written: h,
                    funcs: Vec::new(),
                    origin: Vec::new(),
                    kept: Some(i),
                });
            }
        }
        table.renames = renames;
        table
    }

    /// psoxy's `addColumnTransform`: a new output column, or one more function (and origin)
    /// for an existing one, whose source then stays the first registration's.
    fn add(&mut self, key: &str, lookup: &str, written: &str, func: Option<Func>, origin: String) {
        match self.index.get(java::ignore_case_key(key).as_str()) {
            Some(&i) => {
                self.entries[i].funcs.extend(func);
                self.entries[i].origin.push(origin);
            }
            None => {
                self.index
                    .insert(Cow::Owned(java::ignore_case_key(key)), self.entries.len());
                self.entries.push(Entry {
                    key: Cow::Owned(key.to_owned()),
                    lookup: Cow::Owned(lookup.to_owned()),
                    written: Cow::Owned(written.to_owned()),
                    funcs: func.into_iter().collect(),
                    origin: vec![origin],
                    kept: None,
                });
            }
        }
    }
}

/// Items in Java's `CASE_INSENSITIVE_ORDER`, keeping the first of case-insensitively equal
/// ones: the iteration order of psoxy's `TreeSet`s and `TreeMap`s.
pub(super) fn tree_order<T: Clone>(items: &[T], name: impl Fn(&T) -> &str) -> Vec<T> {
    let mut v = items.to_vec();
    v.sort_by(|a, b| java::compare_ignore_case(name(a), name(b)));
    v.dedup_by(|b, a| java::equals_ignore_case(name(a), name(b)));
    v
}
