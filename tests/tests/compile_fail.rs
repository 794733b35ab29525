//! A bad spec gives one compile error at the spec path literal, listing every problem with
//! file:line:column (pinned by trybuild).

#[test]
fn bad_specs_fail_at_the_path_literal() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
}
