//! `SkillDirectories` against real temporary directories.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use pryx_core_api::{CoreError, PortState, Skill, SkillRegistry, SkillSource};
use std::time::Duration;

use pryx_store::{MachineProbe, REFRESH_INTERVAL, SkillDirectories, SkillRoots};

struct Layout {
    _tmp: tempfile::TempDir,
    data: PathBuf,
    exe: PathBuf,
    cwd: PathBuf,
}

impl Layout {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path().to_path_buf();
        Self {
            data: base.join("data"),
            exe: base.join("exe"),
            cwd: base.join("project"),
            _tmp: tmp,
        }
    }
    fn roots(&self) -> SkillRoots {
        SkillRoots::standard(&self.data, Some(self.exe.clone()), self.cwd.clone())
    }
    fn bundled(&self) -> PathBuf {
        self.exe.join("bundled-skills")
    }
    fn managed(&self) -> PathBuf {
        self.data.join("skills")
    }
    fn workspace(&self) -> PathBuf {
        self.cwd.join(".pryx/skills")
    }
    fn registry(&self) -> SkillDirectories {
        SkillDirectories::new(self.roots(), no_machine())
    }
}

fn no_machine() -> MachineProbe {
    MachineProbe::new(Vec::new(), |_| None)
}

fn put(root: &Path, dir: &str, text: &str) -> PathBuf {
    let dir = root.join(dir);
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("SKILL.md");
    fs::write(&path, text).unwrap();
    path
}

fn skill_md(name: &str, description: &str) -> String {
    format!("---\nname: {name}\ndescription: {description}\n---\n# {name}\n")
}

/// Lists until `done` holds; a change on disk must show within the documented refresh time
/// (twice [`REFRESH_INTERVAL`], with slack for a slow machine).
async fn listed_soon(reg: &SkillDirectories, done: impl Fn(&[Skill]) -> bool) -> Vec<Skill> {
    let deadline = std::time::Instant::now() + REFRESH_INTERVAL * 2 + Duration::from_secs(1);
    loop {
        let list = reg.list().await.unwrap();
        if done(&list) {
            return list;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "a change on disk did not show in time: {list:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn by_id(skills: Vec<Skill>) -> HashMap<String, Skill> {
    skills.into_iter().map(|s| (s.id.clone(), s)).collect()
}

#[tokio::test]
async fn later_roots_win_and_missing_roots_are_skipped() {
    let l = Layout::new();
    let reg = l.registry();
    assert!(reg.list().await.unwrap().is_empty(), "no root exists yet");
    assert_eq!(reg.health().status, PortState::Ok);

    put(&l.bundled(), "a", &skill_md("alpha", "bundled alpha"));
    put(&l.bundled(), "b", &skill_md("beta", "bundled beta"));
    put(&l.managed(), "b", &skill_md("beta", "managed beta"));
    put(
        &l.managed(),
        "deep/er/c",
        &skill_md("gamma", "managed gamma"),
    );
    put(&l.workspace(), "c", &skill_md("gamma", "workspace gamma"));
    put(&l.workspace(), "d", &skill_md("delta", "workspace delta"));

    let list = listed_soon(&reg, |list| list.len() == 4).await;
    let ids: Vec<_> = list.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["alpha", "beta", "delta", "gamma"]);
    let found: Vec<_> = list
        .iter()
        .map(|s| (s.source, s.description.clone().unwrap()))
        .collect();
    assert_eq!(
        found,
        [
            (SkillSource::Bundled, "bundled alpha".to_owned()),
            (SkillSource::Managed, "managed beta".to_owned()),
            (SkillSource::Workspace, "workspace delta".to_owned()),
            (SkillSource::Workspace, "workspace gamma".to_owned()),
        ]
    );
    let gamma = reg.get("gamma").await.unwrap();
    assert!(gamma.path.unwrap().ends_with("c/SKILL.md"));
    assert!(gamma.eligible && !gamma.enabled && gamma.error.is_none());
    assert!(matches!(
        reg.get("nope").await,
        Err(CoreError::SkillNotFound { id }) if id == "nope"
    ));
}

#[tokio::test]
async fn malformed_skills_are_listed_with_their_error_and_degrade_health() {
    let l = Layout::new();
    put(&l.managed(), "no-header", "# Just markdown\n");
    put(&l.managed(), "bad-yaml", "---\nname: [oops\n---\n");
    put(&l.managed(), "no-name", "---\ndescription: x\n---\n");
    put(&l.managed(), "slashy", "---\nname: a/b\n---\n");
    put(
        &l.managed(),
        "typed",
        "---\nname: typed-skill\ndescription: [1]\n---\n",
    );
    put(&l.managed(), "good", &skill_md("good", "fine"));
    let reg = l.registry();
    let skills = by_id(reg.list().await.unwrap());
    assert_eq!(skills.len(), 6);
    for id in ["no-header", "bad-yaml", "no-name", "slashy", "typed-skill"] {
        let s = &skills[id];
        assert!(s.error.is_some(), "{id}");
        assert!(!s.eligible, "{id}");
        assert_eq!(s.source, SkillSource::Managed);
    }
    assert!(
        skills["no-header"]
            .error
            .as_ref()
            .unwrap()
            .contains("front matter")
    );
    assert!(skills["good"].error.is_none());
    let health = reg.health();
    assert_eq!(health.status, PortState::Degraded);
    assert!(
        health
            .detail
            .unwrap()
            .starts_with("5 skills could not be read")
    );
    // A broken skill can be switched off (and on: refusing that is the core's business).
    assert!(!reg.set_enabled("bad-yaml", false).await.unwrap().enabled);
}

#[tokio::test]
async fn bom_crlf_and_openclaw_metadata_are_understood() {
    let l = Layout::new();
    put(
        &l.bundled(),
        "weather",
        "\u{feff}---\r\nname: weather\r\ndescription: Forecasts\r\nmetadata: { \"openclaw\": { \"emoji\": \"☀\", \"requires\": { \"bins\": [\"curl\"] } } }\r\n---\r\n\r\n# Weather\r\n",
    );
    let skill = l.registry().get("weather").await.unwrap();
    assert!(skill.error.is_none(), "{:?}", skill.error);
    assert_eq!(skill.description.as_deref(), Some("Forecasts"));
    assert_eq!(skill.emoji.as_deref(), Some("☀"));
    assert_eq!(skill.requires.bins, ["curl"]);
    assert_eq!(skill.missing.bins, ["curl"], "the probe has an empty PATH");
    assert!(!skill.eligible);
}

#[cfg(unix)]
#[tokio::test]
async fn eligibility_follows_the_probe() {
    use std::os::unix::fs::PermissionsExt;
    let l = Layout::new();
    let bin_dir = l.data.join("fake-bin");
    fs::create_dir_all(&bin_dir).unwrap();
    let tool = bin_dir.join("mytool");
    fs::write(&tool, "#!/bin/sh\n").unwrap();
    fs::set_permissions(&tool, fs::Permissions::from_mode(0o755)).unwrap();
    fs::write(bin_dir.join("notexec"), "").unwrap();
    put(
        &l.workspace(),
        "needs",
        "---\nname: needs\nmetadata:\n  pryx:\n    requires:\n      bins: [mytool]\n      env: [MY_KEY]\n---\n",
    );
    put(
        &l.workspace(),
        "needs-more",
        "---\nname: needs-more\nmetadata:\n  pryx:\n    requires:\n      bins: [mytool, notexec, absent]\n---\n",
    );

    let with_key = MachineProbe::new(vec![bin_dir.clone()], |k| {
        (k == "MY_KEY").then(|| "secret".to_owned())
    });
    let skills = by_id(
        SkillDirectories::new(l.roots(), with_key)
            .list()
            .await
            .unwrap(),
    );
    assert!(skills["needs"].eligible);
    assert!(skills["needs"].missing.bins.is_empty() && skills["needs"].missing.env.is_empty());
    assert!(!skills["needs-more"].eligible);
    assert_eq!(skills["needs-more"].missing.bins, ["notexec", "absent"]);

    let empty_key = MachineProbe::new(vec![bin_dir], |_| Some(String::new()));
    let needs = SkillDirectories::new(l.roots(), empty_key)
        .get("needs")
        .await
        .unwrap();
    assert!(!needs.eligible);
    assert_eq!(needs.missing.env, ["MY_KEY"]);
    assert!(needs.missing.bins.is_empty());
}

#[tokio::test]
async fn enabling_persists_keeps_other_keys_and_disabling_deletes_the_key() {
    let l = Layout::new();
    put(&l.managed(), "one", &skill_md("one", "1"));
    put(&l.managed(), "two", &skill_md("two", "2"));
    let skills_yaml = l.data.join("skills.yaml");
    fs::write(
        &skills_yaml,
        "# a comment that will not survive\nversion: 3\nenabled_skills:\n  ghost: true\nextra:\n  keep: [1, 2]\n",
    )
    .unwrap();

    let reg = l.registry();
    assert!(reg.set_enabled("one", true).await.unwrap().enabled);
    assert!(reg.set_enabled("two", true).await.unwrap().enabled);
    assert!(reg.get("one").await.unwrap().enabled);

    let restarted = l.registry();
    let skills = by_id(restarted.list().await.unwrap());
    assert!(skills["one"].enabled && skills["two"].enabled);

    assert!(!restarted.set_enabled("one", false).await.unwrap().enabled);
    assert_eq!(
        fs::read_to_string(&skills_yaml).unwrap(),
        "version: 3\nenabled_skills:\n  ghost: true\n  two: true\nextra:\n  keep:\n  - 1\n  - 2\n"
    );
    assert!(!l.registry().get("one").await.unwrap().enabled);
    assert!(matches!(
        restarted.set_enabled("ghost", true).await,
        Err(CoreError::SkillNotFound { .. })
    ));
    let names: Vec<_> = fs::read_dir(&l.data)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
}

#[tokio::test]
async fn unknown_ids_write_nothing_and_a_broken_skills_yaml_is_not_overwritten() {
    let l = Layout::new();
    put(&l.managed(), "one", &skill_md("one", "1"));
    let reg = l.registry();
    assert!(matches!(
        reg.set_enabled("missing", true).await,
        Err(CoreError::SkillNotFound { .. })
    ));
    assert!(!l.data.join("skills.yaml").exists());

    let skills_yaml = l.data.join("skills.yaml");
    fs::write(&skills_yaml, "enabled_skills: [one]\n").unwrap();
    let listed = listed_soon(&reg, |_| reg.health().status == PortState::Degraded).await;
    assert!(!listed[0].enabled);
    assert_eq!(reg.health().status, PortState::Degraded);
    assert!(matches!(
        reg.set_enabled("one", true).await,
        Err(CoreError::Storage(_))
    ));
    assert!(
        matches!(reg.set_enabled("one", false).await, Err(CoreError::Storage(m)) if m.contains("skills.yaml")),
        "a disable while skills.yaml is broken fails too"
    );
    assert_eq!(
        fs::read_to_string(&skills_yaml).unwrap(),
        "enabled_skills: [one]\n"
    );
}

#[tokio::test]
async fn env_overrides_move_roots_and_the_enabled_file() {
    let l = Layout::new();
    let elsewhere = l.data.join("elsewhere");
    put(&elsewhere, "x", &skill_md("moved", "from env"));
    let enabled_file = l.data.join("custom/skills.yaml");
    let (dir, file) = (
        elsewhere.to_string_lossy().into_owned(),
        enabled_file.to_string_lossy().into_owned(),
    );
    let roots = l.roots().with_env(|k| match k {
        "PRYX_MANAGED_SKILLS_DIR" => Some(dir.clone()),
        "PRYX_SKILLS_CONFIG_PATH" => Some(file.clone()),
        _ => None,
    });
    let reg = SkillDirectories::new(roots, no_machine());
    let moved = reg.set_enabled("moved", true).await.unwrap();
    assert_eq!(moved.source, SkillSource::Managed);
    assert!(
        fs::read_to_string(&enabled_file)
            .unwrap()
            .contains("moved: true")
    );
}

#[cfg(unix)]
#[tokio::test]
async fn a_broken_skill_named_by_a_hostile_directory_gets_a_safe_id() {
    let l = Layout::new();
    put(
        &l.workspace(),
        "evil\n\u{1b}[31mred\u{202e}txt.exe",
        "# no front matter\n",
    );
    put(
        &l.workspace(),
        "named",
        "---\nname: \"bad\\nname\\u001b[2J\"\n---\n",
    );
    let reg = l.registry();
    let skills = reg.list().await.unwrap();
    let ids: Vec<&str> = skills.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["evil__[31mred_txt.exe", "named"]);
    for skill in &skills {
        assert!(skill.error.is_some());
        assert!(
            pryx_store::check_skill_id(&skill.id).is_ok(),
            "{:?}",
            skill.id
        );
    }
    let detail = reg.health().detail.unwrap();
    assert!(
        !detail.chars().any(|c| c.is_control() || c == '\u{202e}'),
        "{detail:?}"
    );
    assert!(
        !reg.set_enabled("evil__[31mred_txt.exe", false)
            .await
            .unwrap()
            .enabled
    );
}

#[tokio::test]
async fn a_skill_nested_100000_deep_is_listed_at_once_with_its_error() {
    let l = Layout::new();
    put(
        &l.workspace(),
        "deep",
        &format!("---\nname: deep\nmetadata: {}\n---\n", "[".repeat(100_000)),
    );
    put(&l.workspace(), "fine", &skill_md("fine", "ok"));
    let reg = l.registry();
    let started = std::time::Instant::now();
    let skills = tokio::time::timeout(Duration::from_secs(5), reg.list())
        .await
        .expect("the first scan ends quickly")
        .unwrap();
    let first = started.elapsed();
    let skills = by_id(skills);
    let deep = skills["deep"].error.as_deref().unwrap();
    assert!(deep.contains("nests deeper than 64"), "{deep}");
    assert!(skills["fine"].error.is_none());
    assert!(first < Duration::from_secs(2), "first scan took {first:?}");
    // Later requests read the index: no scan, no parse.
    let started = std::time::Instant::now();
    for _ in 0..100 {
        assert_eq!(reg.list().await.unwrap().len(), 2);
    }
    assert!(
        started.elapsed() < Duration::from_millis(200),
        "100 lists took {:?}",
        started.elapsed()
    );
}
