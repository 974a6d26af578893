//! The SKILL.md parser never panics, whatever it is given.

use proptest::prelude::*;
use pryx_store::parse_skill_md;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn never_panics_on_any_text(text in any::<String>()) {
        let _ = parse_skill_md(&text);
    }

    #[test]
    fn never_panics_inside_front_matter(
        bom in any::<bool>(),
        eol in prop::sample::select(vec!["\n", "\r\n"]),
        front in any::<String>(),
        body in any::<String>(),
    ) {
        let text = format!(
            "{}---{eol}{front}{eol}---{eol}{body}",
            if bom { "\u{feff}" } else { "" }
        );
        let _ = parse_skill_md(&text);
    }

    #[test]
    fn never_panics_on_yaml_like_front_matter(
        front in r"(name: [a-z/ ]{0,6}\n|description: [\[\]{}:,'a-z0-9 ]{0,12}\n|metadata:[ \n]{1,2}[ {}\[\]:a-z]{0,20}\n|  [a-z]{1,4}: [-\[\]a-z0-9]{0,8}\n|- x\n|&a [a-z]\n|\*a\n){0,8}",
    ) {
        let _ = parse_skill_md(&format!("---\n{front}---\nbody"));
    }

    #[test]
    fn a_well_formed_header_always_parses(name in "[a-zA-Z0-9_.-]{1,40}[a-z]", desc in "[a-zA-Z0-9 ,.]{0,60}") {
        let text = format!("---\nname: \"{name}\"\ndescription: \"{desc}\"\n---\n# body\n");
        let doc = parse_skill_md(&text).unwrap();
        prop_assert_eq!(doc.name, name);
    }
}
