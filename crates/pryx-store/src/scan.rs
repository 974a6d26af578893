//! Finding `SKILL.md` files under the roots and turning them into listed [`Skill`]s.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use pryx_core_api::{Skill, SkillRequirements, SkillSource};

use crate::enabled::EnabledFile;
use crate::probe::MachineProbe;
use crate::roots::SkillRoots;
use crate::skill_md::{
    MAX_SKILL_ID_LEN, SkillDoc, SkillDocError, check_skill_id, is_unsafe_id_char, parse_skill_md,
};

/// How deep below a root a `SKILL.md` is looked for.
const MAX_DEPTH: usize = 8;
/// Directories never searched.
const SKIPPED_DIRS: &[&str] = &[".git", "node_modules"];
/// At most this many directories are visited per root.
const MAX_DIRS_PER_ROOT: usize = 10_000;
/// A `SKILL.md` larger than this is listed as an error instead of read.
const MAX_SKILL_FILE_BYTES: u64 = 1024 * 1024;

/// What one scan found.
#[derive(Debug, Default)]
pub(crate) struct ScanOutcome {
    /// One entry per id, sorted by id.
    pub(crate) skills: Vec<Skill>,
    /// Problems besides malformed skills (an unreadable root or `skills.yaml`).
    pub(crate) problems: Vec<String>,
}

/// What identifies one version of a file without reading it: size, times and inode.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileStamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
    #[cfg(unix)]
    inode: (u64, u64, i64, i64),
}

impl FileStamp {
    fn of(meta: &fs::Metadata) -> Self {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        Self {
            len: meta.len(),
            modified: meta.modified().ok(),
            #[cfg(unix)]
            inode: (meta.dev(), meta.ino(), meta.ctime(), meta.ctime_nsec()),
        }
    }
}

/// Parsed `SKILL.md` files by path, kept between scans: a file is read and parsed again only
/// when its [`FileStamp`] changed, so a refresh of an unchanged tree only lists directories.
#[derive(Debug, Default)]
pub(crate) struct ParseCache {
    files: std::collections::HashMap<PathBuf, (FileStamp, Result<SkillDoc, SkillDocError>)>,
}

impl ParseCache {
    fn read(
        &mut self,
        path: &Path,
        seen: &mut HashSet<PathBuf>,
    ) -> Result<SkillDoc, SkillDocError> {
        seen.insert(path.to_path_buf());
        let stamp = fs::metadata(path).ok().map(|m| FileStamp::of(&m));
        if let (Some(stamp), Some((cached, parsed))) = (&stamp, self.files.get(path)) {
            if stamp == cached {
                return parsed.clone();
            }
        }
        let parsed = read_skill(path);
        if let Some(stamp) = stamp {
            self.files
                .insert(path.to_path_buf(), (stamp, parsed.clone()));
        }
        parsed
    }
}

/// Scans every root, applies precedence, the enabled set and the machine's requirements,
/// reading only the files `cache` does not hold in their current version.
pub(crate) fn scan(
    roots: &SkillRoots,
    probe: &MachineProbe,
    cache: &mut ParseCache,
) -> ScanOutcome {
    let mut seen = HashSet::new();
    let mut problems = Vec::new();
    let enabled = EnabledFile::read(&roots.enabled_file).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "skills.yaml is unreadable; listing every skill as disabled");
        problems.push(e.to_string());
        EnabledFile::default()
    });
    let mut by_id: BTreeMap<String, Skill> = BTreeMap::new();
    for (source, root) in &roots.roots {
        let mut in_root: BTreeMap<String, Skill> = BTreeMap::new();
        for path in find_skill_files(root, &mut problems) {
            let parsed = cache.read(&path, &mut seen);
            let skill = to_skill(*source, &path, parsed, probe, &enabled);
            match in_root.get(&skill.id) {
                // Within one root the first file (by path) wins, but a readable one beats a
                // broken one.
                Some(kept) if kept.error.is_none() || skill.error.is_some() => {
                    tracing::warn!(id = %skill.id, ignored = ?path, "duplicate skill id");
                }
                _ => {
                    in_root.insert(skill.id.clone(), skill);
                }
            }
        }
        by_id.extend(in_root);
    }
    cache.files.retain(|path, _| seen.contains(path));
    ScanOutcome {
        skills: by_id.into_values().collect(),
        problems,
    }
}

/// Every file named `SKILL.md` (any case) under `root`, sorted. A missing root gives none.
fn find_skill_files(root: &Path, problems: &mut Vec<String>) -> Vec<PathBuf> {
    let mut found = Vec::new();
    match fs::metadata(root) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => return found,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return found,
        Err(e) => {
            problems.push(format!("cannot read {}: {e}", root.display()));
            return found;
        }
    }
    let mut visited = HashSet::new();
    if let Err(e) = fs::read_dir(root) {
        problems.push(format!("cannot read {}: {e}", root.display()));
        return found;
    }
    walk(root, 0, &mut visited, &mut found);
    found.sort();
    found
}

fn walk(dir: &Path, depth: usize, visited: &mut HashSet<PathBuf>, found: &mut Vec<PathBuf>) {
    if depth > MAX_DEPTH || visited.len() >= MAX_DIRS_PER_ROOT {
        return;
    }
    // Symlinks are followed, but each real directory is visited once: no loops.
    let Ok(real) = fs::canonicalize(dir) else {
        return;
    };
    if !visited.insert(real) {
        return;
    }
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            tracing::warn!(dir = ?dir, error = %e, "skipping an unreadable directory");
            return;
        }
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        let path = entry.path();
        let Ok(meta) = fs::metadata(&path) else {
            continue; // dangling link or vanished entry
        };
        if meta.is_dir() {
            if !SKIPPED_DIRS.iter().any(|s| name == *s) {
                walk(&path, depth + 1, visited, found);
            }
        } else if meta.is_file() && name.to_string_lossy().eq_ignore_ascii_case("SKILL.md") {
            found.push(path);
        }
    }
}

/// Reads and parses one `SKILL.md`; I/O problems become parse errors, so the skill is listed.
fn read_skill(path: &Path) -> Result<SkillDoc, SkillDocError> {
    let fail = |reason: String| SkillDocError { name: None, reason };
    let mut bytes = Vec::new();
    fs::File::open(path)
        .and_then(|f| {
            f.take(MAX_SKILL_FILE_BYTES + 1)
                .read_to_end(&mut bytes)
                .map(drop)
        })
        .map_err(|e| fail(format!("cannot read the file: {e}")))?;
    if bytes.len() as u64 > MAX_SKILL_FILE_BYTES {
        return Err(fail(format!(
            "the file is larger than {} KiB",
            MAX_SKILL_FILE_BYTES / 1024
        )));
    }
    let text = String::from_utf8(bytes).map_err(|_| fail("the file is not UTF-8 text".into()))?;
    parse_skill_md(&text)
}

/// The listed form of a skill file. A broken one keeps the id of its front matter `name` when
/// that was readable, else its directory's name.
fn to_skill(
    source: SkillSource,
    path: &Path,
    parsed: Result<SkillDoc, SkillDocError>,
    probe: &MachineProbe,
    enabled: &EnabledFile,
) -> Skill {
    let display_path = Some(path.to_string_lossy().into_owned());
    match parsed {
        Ok(doc) => {
            let missing = probe.missing(&doc.requires);
            Skill {
                enabled: enabled.is_enabled(&doc.name),
                eligible: missing.bins.is_empty() && missing.env.is_empty(),
                id: doc.name.clone(),
                name: doc.name,
                source,
                title: doc.title,
                description: doc.description,
                version: doc.version,
                author: doc.author,
                emoji: doc.emoji,
                path: display_path,
                requires: doc.requires,
                missing,
                error: None,
            }
        }
        Err(e) => {
            let id = e.name.unwrap_or_else(|| dir_name(path));
            Skill {
                enabled: enabled.is_enabled(&id),
                eligible: false,
                name: id.clone(),
                id,
                source,
                title: None,
                description: None,
                version: None,
                author: None,
                emoji: None,
                path: display_path,
                requires: SkillRequirements::default(),
                missing: SkillRequirements::default(),
                error: Some(e.reason),
            }
        }
    }
}

/// The id of a skill whose front matter gave none: its directory's name, made safe. Control,
/// invisible and bidirectional characters and path separators become `_`, it is cut to
/// [`MAX_SKILL_ID_LEN`] characters, and a name left blank (or `.`/`..`) becomes `skill`; the
/// result always passes [`check_skill_id`], so it can be shown, logged and toggled.
fn dir_name(path: &Path) -> String {
    let raw = path
        .parent()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let safe: String = raw
        .chars()
        .map(|c| {
            if is_unsafe_id_char(c) || c == '/' || c == '\\' {
                '_'
            } else {
                c
            }
        })
        .take(MAX_SKILL_ID_LEN)
        .collect();
    let safe = safe.trim().to_owned();
    if check_skill_id(&safe).is_ok() {
        safe
    } else {
        "skill".to_owned()
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn walks_nested_dirs_skips_ignored_ones_and_survives_symlink_loops() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let write = |rel: &str| {
            let p = root.join(rel);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, "---\nname: x\n---\n").unwrap();
        };
        write("a/SKILL.md");
        write("b/c/d/skill.md");
        write(".git/e/SKILL.md");
        write("node_modules/f/SKILL.md");
        write("1/2/3/4/5/6/7/8/9/10/SKILL.md");
        std::os::unix::fs::symlink(root, root.join("a/loop")).unwrap();
        let mut problems = Vec::new();
        let found = find_skill_files(root, &mut problems);
        let rel: Vec<_> = found
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(rel, ["a/SKILL.md", "b/c/d/skill.md"]);
        assert!(problems.is_empty());
        assert!(find_skill_files(&root.join("missing"), &mut problems).is_empty());
        assert!(problems.is_empty());
    }
}
