//! `specs/README.md` stays true: its TOML examples parse, its complete specs validate, and the
//! error report it shows is the one the validator prints.

use std::path::Path;

struct Block {
    lang: String,
    text: String,
    line: usize,
    indent: usize,
}

fn blocks() -> Vec<Block> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/README.md");
    let src = std::fs::read_to_string(&path).expect("specs/README.md exists");
    let mut out = Vec::new();
    let mut open: Option<Block> = None;
    for (i, line) in src.lines().enumerate() {
        let trimmed = line.trim_start();
        match (&mut open, trimmed.strip_prefix("```")) {
            (None, Some(lang)) => {
                open = Some(Block {
                    lang: lang.trim().to_owned(),
                    text: String::new(),
                    line: i + 1,
                    indent: line.len() - trimmed.len(),
                })
            }
            (Some(_), Some("")) => out.extend(open.take()),
            (Some(b), _) => {
                // Blocks inside list items are indented: take the fence's indentation off.
                let indent = b.indent.min(line.len() - trimmed.len());
                b.text.push_str(&line[indent..]);
                b.text.push('\n');
            }
            (None, None) => {}
        }
    }
    out
}

#[test]
fn every_toml_example_is_valid_toml() {
    let blocks = blocks();
    let toml_blocks: Vec<_> = blocks.iter().filter(|b| b.lang == "toml").collect();
    assert!(toml_blocks.len() > 10, "README has few TOML examples");
    for b in toml_blocks {
        if let Err(e) = b.text.parse::<toml::Table>() {
            panic!("README.md line {}: not valid TOML: {e}\n{}", b.line, b.text);
        }
    }
}

#[test]
fn complete_specs_validate_and_the_error_report_is_real() {
    let blocks = blocks();
    let mut complete = 0;
    let mut reports = 0;
    for (i, b) in blocks.iter().enumerate() {
        if b.lang != "toml" || !b.text.lines().any(|l| l == "[gateway]") {
            continue;
        }
        let report = blocks
            .get(i + 1)
            .filter(|n| n.lang == "text" && n.text.contains("problem"));
        match (paywire_spec::parse_str(&b.text, "specs/demo.toml"), report) {
            (Ok(_), None) => complete += 1,
            (Err(e), Some(r)) => {
                assert_eq!(
                    e.to_string(),
                    r.text,
                    "README.md line {}: the report shown is not the validator's",
                    r.line
                );
                reports += 1;
            }
            (Ok(_), Some(r)) => panic!(
                "README.md line {}: the spec is valid, but a report follows it (line {})",
                b.line, r.line
            ),
            (Err(e), None) => panic!("README.md line {}: the spec is refused:\n{e}", b.line),
        }
    }
    assert!(complete >= 1, "README has no complete spec");
    assert_eq!(reports, 1, "README should show one real error report");
}
