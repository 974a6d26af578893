//! The skill index's CPU use is bounded: a hostile `SKILL.md` (100,000 nested `[`) costs one
//! bounded parse, and an idle index only looks at file times. Its own test binary, so the
//! process's CPU time is this test's alone.

#![cfg(target_os = "linux")]

use std::fs;
use std::time::Duration;

use pryx_core_api::SkillRegistry;
use pryx_store::{MachineProbe, REFRESH_INTERVAL, SkillDirectories, SkillRoots};

/// CPU time (user + system) of this process so far. `/proc` counts in USER_HZ, 100 on Linux.
fn cpu() -> Duration {
    let stat = fs::read_to_string("/proc/self/stat").unwrap();
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after_name.split(' ').collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    Duration::from_millis(ticks * 10)
}

#[tokio::test]
async fn a_hostile_skill_costs_one_bounded_parse_and_an_idle_index_almost_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let workspace = tmp.path().join("project/.pryx/skills");
    for i in 0..20 {
        let dir = workspace.join(format!("deep{i}"));
        fs::create_dir_all(&dir).unwrap();
        fs::write(
            dir.join("SKILL.md"),
            format!(
                "---\nname: deep{i}\nmetadata: {}\n---\n",
                "[".repeat(100_000)
            ),
        )
        .unwrap();
    }
    let roots = SkillRoots::standard(tmp.path().join("data"), None, tmp.path().join("project"));
    let before = cpu();
    let reg = SkillDirectories::new(roots, MachineProbe::new(Vec::new(), |_| None));
    let skills = tokio::time::timeout(Duration::from_secs(5), reg.list())
        .await
        .expect("the first scan ends quickly")
        .unwrap();
    assert_eq!(skills.len(), 20);
    assert!(skills.iter().all(|s| s.error.is_some()));
    let first_scan = cpu() - before;
    assert!(
        first_scan < Duration::from_millis(1500),
        "20 hostile skills cost {first_scan:?} of CPU"
    );

    // Several refresh periods with nothing changed: the files are not parsed again.
    let before = cpu();
    tokio::time::sleep(REFRESH_INTERVAL * 4).await;
    let idle = cpu() - before;
    assert!(
        idle < Duration::from_millis(200),
        "an idle index used {idle:?} of CPU in {:?}",
        REFRESH_INTERVAL * 4
    );
    println!("first scan {first_scan:?}, idle {idle:?}");
}
