use veil::{Plan, Rules};

use crate::common::{files_in, root};

#[test]
fn every_rules_example_loads_and_fits_the_sample() {
    let dir = root().join("rules-examples");
    let sample = std::fs::read_to_string(root().join("testdata/hris-sample.csv")).unwrap();
    let header: Vec<String> = sample.lines().next().unwrap().split(',').map(str::to_owned).collect();
    let names: Vec<String> = files_in(&dir).into_iter().filter(|n| n.ends_with(".yaml")).collect();
    assert!(names.len() >= 4, "{names:?}");
    for name in &names {
        let rules = Rules::from_path(&dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        match &rules {
            Rules::Columnar(c) => {
                Plan::new(c, &header, "hris-sample.csv", 1).unwrap_or_else(|e| panic!("{name}: {e}"));
            }
            Rules::MultiType(entries) => assert!(!entries.is_empty(), "{name}"),
        }
    }
    assert!(
        names
            .iter()
            .any(|n| matches!(Rules::from_path(&dir.join(n)), Ok(Rules::MultiType(_))))
    );
}
