use veil_core::{ColumnPolicy, Plan};

use crate::common::{files_in, root};

#[test]
fn every_rules_example_loads_and_fits_the_sample() {
    let dir = root().join("rules-examples");
    let sample = std::fs::read_to_string(root().join("testdata/hris-sample.csv")).unwrap();
    let header: Vec<String> = sample.lines().next().unwrap().split(',').map(str::to_owned).collect();
    let names: Vec<String> = files_in(&dir).into_iter().filter(|n| n.ends_with(".yaml")).collect();
    assert!(names.len() >= 4, "{names:?}");
    let mut multi_type = 0;
    for name in &names {
        let rules = veil::load_rules(&dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        if !rules.templates().is_empty() {
            multi_type += 1;
            continue;
        }
        for c in rules.all_columnar() {
            Plan::bind(c, &header, "hris-sample.csv", 1, ColumnPolicy::default())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
    assert!(multi_type > 0, "a fileRules example");
}
