//! Generates one `#[test]` per golden case (`testdata/golden/<case>/`), so that each runs,
//! fails and can be run alone by name: `cargo test golden::case_name`.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new("testdata/golden");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut code = String::new();
    for name in &names {
        let ident: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        let _ = writeln!(code, "#[test]\nfn case_{ident}() {{\n    check({name:?});\n}}\n");
    }
    let _ = writeln!(
        code,
        "/// Every case directory, for the test that none is missed.\nconst CASES: usize = {};",
        names.len()
    );
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("golden_cases.rs"), code).expect("OUT_DIR is writable");
}
