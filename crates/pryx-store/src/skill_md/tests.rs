use super::*;

fn ok(text: &str) -> SkillDoc {
    parse_skill_md(text).unwrap_or_else(|e| panic!("{text:?} failed: {}", e.reason))
}

fn err(text: &str) -> SkillDocError {
    parse_skill_md(text).expect_err(text)
}

#[test]
fn reads_every_field_and_the_body() {
    let doc = ok(
        "---\nname: deploy\ntitle: Deploy it\ndescription: '  Ships code. '\n\
         version: 1.2.0\nauthor: Ana\nhomepage: https://example.org\n\
         metadata:\n  pryx:\n    emoji: \"🚀\"\n    type: tool\n    requires:\n      bins: [git, ssh]\n      env: [DEPLOY_KEY]\n    install:\n      - {id: brew, kind: brew}\n\
         ---\n\n# Deploy\nSteps.\n",
    );
    assert_eq!(doc.name, "deploy");
    assert_eq!(doc.title.as_deref(), Some("Deploy it"));
    assert_eq!(doc.description.as_deref(), Some("Ships code."));
    assert_eq!(doc.version.as_deref(), Some("1.2.0"));
    assert_eq!(doc.author.as_deref(), Some("Ana"));
    assert_eq!(doc.emoji.as_deref(), Some("🚀"));
    assert_eq!(doc.kind.as_deref(), Some("tool"));
    assert_eq!(doc.requires.bins, ["git", "ssh"]);
    assert_eq!(doc.requires.env, ["DEPLOY_KEY"]);
    assert_eq!(doc.install.len(), 1);
    assert_eq!(doc.body, "# Deploy\nSteps.\n");
}

#[test]
fn tolerates_bom_crlf_and_a_minimal_header() {
    let doc = ok("\u{feff}---\r\nname: crlf\r\ndescription: Windows\r\n---\r\nBody\r\n");
    assert_eq!(doc.name, "crlf");
    assert_eq!(doc.description.as_deref(), Some("Windows"));
    assert_eq!(doc.body, "Body\r\n");
    let doc = ok("---\nname: bare\n---");
    assert_eq!(doc.body, "");
    assert_eq!(doc.requires, SkillRequirements::default());
}

#[test]
fn accepts_openclaw_metadata_also_as_a_flow_map_or_json_text() {
    let doc = ok(
        "---\nname: weather\nmetadata: { \"openclaw\": { \"emoji\": \"☀\", \"requires\": { \"bins\": [\"curl\"] } } }\n---\n",
    );
    assert_eq!(doc.emoji.as_deref(), Some("☀"));
    assert_eq!(doc.requires.bins, ["curl"]);
    let doc =
        ok("---\nname: j\nmetadata: '{\"openclaw\":{\"requires\":{\"env\":[\"TOKEN\"]}}}'\n---\n");
    assert_eq!(doc.requires.env, ["TOKEN"]);
    let doc = ok("---\nname: both\nmetadata:\n  openclaw: {emoji: a}\n  pryx: {emoji: b}\n---\n");
    assert_eq!(doc.emoji.as_deref(), Some("b"));
}

#[test]
fn numbers_as_versions_are_kept_as_text() {
    assert_eq!(
        ok("---\nname: v\nversion: 2\n---\n").version.as_deref(),
        Some("2")
    );
}

#[test]
fn explains_what_is_wrong() {
    let cases = [
        ("# no header\n", "no front matter"),
        ("", "no front matter"),
        ("---\nname: x\n", "not closed"),
        ("---\n---\n", "empty"),
        ("---\n- a\n---\n", "must be a map"),
        ("---\nname: [a\n---\n", "not valid YAML"),
        ("---\ndescription: x\n---\n", "no `name`"),
        ("---\nname: '  '\n---\n", "blank"),
        ("---\nname: 7\n---\n", "`name` must be text"),
        ("---\nname: a/b\n---\n", "looks like a path"),
        ("---\nname: ..\n---\n", "looks like a path"),
    ];
    for (text, expected) in cases {
        let e = err(text);
        assert!(e.reason.contains(expected), "{text:?}: {:?}", e.reason);
        assert_eq!(e.name, None, "{text:?}");
    }
    let long = format!("---\nname: {}\n---\n", "x".repeat(MAX_SKILL_ID_LEN + 1));
    assert!(err(&long).reason.contains("longer than"));
    assert!(
        parse_skill_md(&format!(
            "---\nname: {}\n---\n",
            "x".repeat(MAX_SKILL_ID_LEN)
        ))
        .is_ok()
    );
}

#[test]
fn wrong_types_after_a_good_name_keep_the_name() {
    for (text, expected) in [
        (
            "---\nname: n\ndescription: [a]\n---\n",
            "`description` must be text",
        ),
        (
            "---\nname: n\nmetadata: 3\n---\n",
            "`metadata` must be a map",
        ),
        (
            "---\nname: n\nmetadata: {pryx: [1]}\n---\n",
            "`metadata.pryx` must be a map",
        ),
        (
            "---\nname: n\nmetadata: {pryx: {requires: {bins: [1]}}}\n---\n",
            "`metadata.pryx.requires.bins.0` must be text",
        ),
        (
            "---\nname: n\nmetadata: {openclaw: {requires: {env: {a: 1}}}}\n---\n",
            "`metadata.pryx.requires.env` must be a list of text",
        ),
        (
            "---\nname: n\nmetadata: {pryx: {install: 5}}\n---\n",
            "must be a list",
        ),
    ] {
        let e = err(text);
        assert_eq!(e.name.as_deref(), Some("n"), "{text:?}");
        assert!(e.reason.contains(expected), "{text:?}: {:?}", e.reason);
    }
}

#[test]
fn deeply_nested_front_matter_is_refused_before_the_yaml_parser() {
    let started = std::time::Instant::now();
    let text = format!("---\nname: deep\nmetadata: {}\n---\n", "[".repeat(100_000));
    let e = err(&text);
    assert!(e.reason.contains("nests deeper than 64"), "{}", e.reason);
    let in_string = format!(
        "---\nname: deep\nmetadata: \"{}\"\n---\n",
        "[".repeat(20_000)
    );
    let e = err(&in_string);
    assert!(
        e.reason.contains("`metadata` is text that nests"),
        "{}",
        e.reason
    );
    assert_eq!(e.name.as_deref(), Some("deep"));
    assert!(
        started.elapsed() < std::time::Duration::from_millis(500),
        "took {:?}",
        started.elapsed()
    );
    let big = format!(
        "---\nname: big\ndescription: '{}'\n---\n",
        "x".repeat(70_000)
    );
    assert!(err(&big).reason.contains("larger than 64 KiB"));
}
